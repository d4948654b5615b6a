/// What a tag engine decided for one message: set writes and messages, committed together.
public struct TagEngineStep: Sendable {
    public var writes: [StateWrite]
    public var outputs: [Outbound]

    public init(writes: [StateWrite] = [], outputs: [Outbound] = []) {
        self.writes = writes
        self.outputs = outputs
    }

    /// The disposition that commits this step with the acknowledgement.
    public func disposition(codec: any PayloadCodec) throws -> Disposition {
        .ack(Commit(messages: try outputs.map { try $0.outgoingMessage(codec: codec) }, writes: writes))
    }
}
