import EventideTesting
import Testing

/// Every test that talks to PostgreSQL 15 with wal2json on 127.0.0.1:55432 (`scripts/servers up postgres`;
/// `.ci/run` starts it and fails if it cannot), one at a time: the crash test stops the server under the others.
/// Each test uses its own table, slot and outbox prefix.
@Suite(
    "EventidePostgres against PostgreSQL 15 + wal2json", .serialized, .timeLimit(.minutes(1)),
    .enabled(
        if: LocalServer.postgres.isRunning,
        "postgres is not running on 127.0.0.1:55432; start it with scripts/servers up postgres"))
struct AgainstPostgres {}
