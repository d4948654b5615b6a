/// The state of a command as recorded by the state engine.
@BinaryWritable
@BinaryReadable
public enum CommandStatus: Sendable, Hashable, Codable {
    case ongoing
    case completed(Payload)
    case failed(DeferredFailure)

    public var isTerminated: Bool {
        if case .ongoing = self { return false }
        return true
    }
}
