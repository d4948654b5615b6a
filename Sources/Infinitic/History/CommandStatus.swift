/// The state of a command as recorded by the state engine.
public enum CommandStatus: Sendable, Hashable, Codable {
    case ongoing
    case completed(Payload)
    case failed(DeferredFailure)

    public var isTerminated: Bool {
        if case .ongoing = self { return false }
        return true
    }
}

extension CommandStatus: BinaryKeyedWritable {
    func writeFields(_ fields: inout BinaryFields) throws {
        switch self {
        case .ongoing: try fields.enumCase("ongoing")
        case .completed(let value): try fields.enumCase("completed") { try $0.field("_0", value) }
        case .failed(let failure): try fields.enumCase("failed") { try $0.field("_0", failure) }
        }
    }
}
