/// Who asked for the work a message carries: a client, or a method of a workflow instance. Results and
/// outcomes go back to it.
@BinaryWritable
@BinaryReadable
public enum Requester: Sendable, Hashable, Codable, CustomStringConvertible {
    case client(name: String)
    case workflow(name: String, id: String, methodId: String)

    public var description: String {
        switch self {
        case .client(let name): "client \(name)"
        case .workflow(let name, let id, let methodId): "workflow \(name) (\(id)) method \(methodId)"
        }
    }
}
