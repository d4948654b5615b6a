/// What a stub calls: a service (with the tags and meta of the tasks it creates), a workflow instance, or a new
/// one.
public enum InvocationTarget: Sendable, Hashable {
    case service(name: String, tags: Set<String>, meta: [String: String])
    case workflow(name: String, id: String)
    /// A new instance of a workflow (from workflow code: a child workflow).
    case newWorkflow(name: String, tags: Set<String>, meta: [String: String])
}
