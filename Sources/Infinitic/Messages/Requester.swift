/// Who asked for the work a message carries: a client, or a method of a workflow instance. Results and
/// outcomes go back to it.
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

extension Requester: BinaryKeyedWritable {
    func writeFields(_ fields: inout BinaryFields) throws {
        switch self {
        case .client(let name):
            try fields.enumCase("client") { try $0.field("name", name) }
        case .workflow(let name, let id, let methodId):
            try fields.enumCase("workflow") {
                try $0.field("name", name)
                try $0.field("id", id)
                try $0.field("methodId", methodId)
            }
        }
    }
}
