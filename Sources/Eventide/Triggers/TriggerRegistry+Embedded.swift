extension TriggerRegistry {
    /// A registry with the embedded default: `eventide://log/<topic>?group=<group>` reads a topic of the
    /// SQLite event log as a consumer group (`LogTopicTrigger`), so items run offline without a server.
    public static func embedded(log: EventLog) -> TriggerRegistry {
        TriggerRegistry([Factory(scheme: "eventide") { uri in
            guard uri.host == "log" else {
                throw TriggerError.invalidURI(uri.text, reason: "the embedded scheme has the form eventide://log/<topic>?group=<group>")
            }
            return LogTopicTrigger(log: log, topic: try uri.singlePathSegment("topic"), group: try uri.required("group"))
        }])
    }
}
