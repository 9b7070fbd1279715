import ArgumentParser
import EventideCLI

@main
struct EventReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_04_05_event_replay",
        abstract:
            "117.4.5 Event Replay and Reprocessing: replay recorded asset events, idempotently, with REST events.",
        discussion: """
            Starts Airflow's REST API on 127.0.0.1 (a free port) and posts orders as asset events \
            (POST /api/v2/assets/events with a bearer token, by asset_id, uri and name). load_orders loads each order \
            through a processed-marker per event. While the warehouse is down the runs fail and their events stay \
            pending; then the history is replayed: by time range (pending only) into a new run, the same range again \
            (nothing sent), loaded events by id into a new run and by offsets into load_orders' queue (forced: the \
            markers stop their effects). After each phase: runs, rows loaded, processed versus pending.

            A reused --db is refused: the story counts events, markers and rows from an empty store. Pass a new file, \
            or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Orders posted before the outage (1…6).") var orders = 3
    @Option(help: "Orders posted while the warehouse is down (1…6).") var outageOrders = 2

    func validate() throws {
        guard (1...6).contains(orders) else { throw ValidationError("--orders must be 1…6, got \(orders)") }
        guard (1...6).contains(outageOrders) else {
            throw ValidationError("--outage-orders must be 1…6, got \(outageOrders)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "event-replay") {
            try await EventReplay.run(.init(ordersBefore: orders, ordersDuringOutage: outageOrders), database: $0)
        }
    }
}
