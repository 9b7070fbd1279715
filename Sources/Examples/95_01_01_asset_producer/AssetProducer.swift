import Eventide

/// 95.1.1 — a producer DAG declares the assets it writes as outlets of the task that writes them; each
/// successful run of that task emits one asset event per outlet, and a failed run emits none.
enum AssetProducer {
    // [START assets]
    /// An asset from a URI as a user writes it. `Asset(uri:)` normalises it like Airflow 3 (scheme and host
    /// lower-cased, trailing `/` and fragment dropped, query sorted, a password dropped with a warning), or
    /// refuses it with an `AssetError` that says how to fix it: no scheme, the reserved `airflow` scheme, blank.
    static func declare(_ uri: String) -> Result<Asset, AssetError> {
        do { return .success(try Asset(uri: uri)) } catch { return .failure(error) }
    }
    // [END assets]

    // [START dag]
    static let dagId = "orders_producer"

    /// extract → transform → publish. Only `publish`, the task that makes the data visible, declares the
    /// outlets: when it succeeds the executor records one asset event per outlet, with the extra it returns.
    /// `failingRun` makes transform throw in that run (0: never), so publish never runs and emits nothing.
    static func producerDag(orders: Asset, totals: Asset, failingRun: Int) throws -> DAG {
        try DAG(
            dagId,
            tasks: [
                TaskDefinition("extract") { context in
                    TaskOutput(value: ["rows": .number(Double(100 * runNumber(context)))])
                },
                TaskDefinition("transform", upstream: ["extract"]) { context in
                    if runNumber(context) == failingRun { throw ProducerFailure(run: failingRun) }
                    return TaskOutput(value: context.upstreamValues["extract"] ?? .null)
                },
                TaskDefinition("publish", upstream: ["transform"], outlets: [orders, totals]) { context in
                    let rows = context.upstreamValues["transform"]?["rows"] ?? .null
                    let run = JSONValue.number(Double(runNumber(context)))
                    return TaskOutput(outletExtra: [
                        orders.key: ["row_count": rows, "run": run],
                        totals.key: ["row_count": 1, "run": run],
                    ])
                },
            ])
    }

    /// The run number the trigger passed in `conf`.
    static func runNumber(_ context: TaskContext) -> Int { context.conf["run"]?.exactIntegerValue ?? 0 }

    /// The injected failure of `transform`.
    struct ProducerFailure: Error, Equatable, CustomStringConvertible {
        let run: Int
        var description: String { "transform failed in run \(run) (injected by --fail-run)" }
    }
    // [END dag]
}
