/// Rendering templates with the run's context from inside a task.
extension TaskContext {
    /// The run's template context: this task instance, the run's logical date (read from the store), conf,
    /// triggering asset events and upstream values, with the task's `params` and your own `variables`.
    public func templateContext(
        params: [String: JSONValue] = [:], variables: [String: JSONValue] = [:]
    ) async throws -> TemplateContext {
        let logicalDate = try await scheduler.run(runRef)?.logicalDate
        return TemplateContext(
            dagId: dagId, runId: runId, taskId: taskId, tryNumber: tryNumber, logicalDate: logicalDate, conf: conf,
            params: params, triggeringAssetEvents: triggeringAssetEvents, upstreamValues: upstreamValues,
            variables: variables)
    }

    /// Renders one template with the run's context (see `TaskTemplate` for the syntax and the failures).
    public func render(
        _ template: TaskTemplate, params: [String: JSONValue] = [:], variables: [String: JSONValue] = [:]
    ) async throws -> String {
        try template.render(in: await templateContext(params: params, variables: variables))
    }

    /// Renders a task's argument templates with the run's context.
    public func renderArguments(
        _ templates: [String: TaskTemplate], params: [String: JSONValue] = [:], variables: [String: JSONValue] = [:]
    ) async throws -> TemplatedArguments {
        try TemplatedArguments.render(templates, in: await templateContext(params: params, variables: variables))
    }
}
