/// How a new command's messages are dispatched, as the `workflowCommand` interceptors left it.
struct CommandDispatch: Sendable, Hashable {
    var headers: [String: String]
    /// The task's meta (for a task).
    var meta: [String: String]
}
