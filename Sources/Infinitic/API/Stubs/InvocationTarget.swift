/// What a stub calls: a service (with the tags and meta of the tasks it creates), or a workflow instance.
public enum InvocationTarget: Sendable, Hashable {
    case service(name: String, tags: Set<String>, meta: [String: String])
    case workflow(name: String, id: String)
}
