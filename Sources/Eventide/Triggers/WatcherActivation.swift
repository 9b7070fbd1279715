/// When a registered watcher runs.
public enum WatcherActivation: String, Sendable, Codable {
    /// Whenever the triggerer runs, whether or not a DAG consumes its asset. The default of
    /// `Triggerer.add(_:for:)`, and how every watcher ran before watchers followed their consumers.
    case always
    /// Airflow's rule (apache/airflow#44456): only while at least one unpaused DAG's schedule names its asset.
    /// Pausing the last such DAG stops the watcher (state `idle`; its source keeps the messages it did not
    /// acknowledge), unpausing one or registering a new one starts it again. `Orchestrator.register` adds
    /// watchers this way.
    case whileConsumed = "while_consumed"
}
