extension TaskDefinition {
    /// A task whose arguments are templates rendered with the run's context before its body runs (Airflow's
    /// templated operator fields). A template that cannot be rendered (a missing field, a malformed payload)
    /// fails the task with a `TemplateError` naming the argument and the path; its body does not run.
    ///
    /// ```swift
    /// TaskDefinition.templated(
    ///     "load", arguments: ["key": "{{ triggering_asset_events[asset][0].extra.payload.key }}"],
    ///     variables: ["asset": .string(orders.uri)]
    /// ) { context, arguments in
    ///     let key = try arguments.string("key")
    ///     …
    /// }
    /// ```
    public static func templated(
        _ taskId: String, arguments: [String: TaskTemplate], params: [String: JSONValue] = [:],
        variables: [String: JSONValue] = [:], upstream: [String] = [], outlets: [Asset] = [],
        aliasOutlets: [AssetAlias] = [], inlets: [Asset] = [], retry: RetryPolicy = .none,
        body: @escaping @Sendable (TaskContext, TemplatedArguments) async throws -> TaskOutput
    ) -> TaskDefinition {
        TaskDefinition(
            taskId, upstream: upstream, outlets: outlets, aliasOutlets: aliasOutlets, inlets: inlets, retry: retry
        ) { context in
            let rendered = try await context.renderArguments(arguments, params: params, variables: variables)
            return try await body(context, rendered)
        }
    }
}
