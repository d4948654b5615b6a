/// What the stubs a client hands out stand for.
enum ClientTarget: Sendable, Hashable {
    /// Each call starts a new instance.
    case newWorkflow(name: String, tags: Set<String>, meta: [String: String])
    /// Each call starts a method on this instance.
    case existingWorkflow(name: String, id: String)
    /// Each call starts a method on every instance carrying the tag.
    case taggedWorkflows(name: String, tag: String)

    var workflowName: String {
        switch self {
        case .newWorkflow(let name, _, _), .existingWorkflow(let name, _), .taggedWorkflows(let name, _): name
        }
    }
}
