import EventideTesting
import Testing

/// Every test that talks to tansu, one at a time (the reconnect test kills and restarts a broker of its own).
@Suite(
    "EventideKafka against tansu", .serialized, .timeLimit(.minutes(10)),
    .enabled(
        if: LocalServer.tansu.isRunning,
        "tansu is not running on 127.0.0.1:19092; start it with scripts/servers up tansu"))
struct AgainstTansu {}
