/// Typed commands sent together in one round trip on one connection, each reply decoded to its command's
/// response type. An error reply fails only its own command.
///
/// ```swift
/// var pipeline = RedisPipeline()
/// let added = pipeline.append(XADD(stream, fields: fields))
/// let length = pipeline.append(XLEN(stream))
/// let replies = try await client.send(pipeline)
/// let id = try replies[added]
/// ```
public struct RedisPipeline: Sendable {
    /// Where a command's reply is in the pipeline's replies.
    public struct Slot<Request: RedisRequest>: Sendable {
        let index: Int
        let request: Request
    }

    /// The replies of a pipeline, in order.
    public struct Replies: Sendable {
        let replies: [RedisReply]

        /// The decoded reply of the command in `slot`; its error reply is thrown as `.server`.
        public subscript<Request>(slot: Slot<Request>) -> Request.Response {
            get throws(RedisError) {
                guard slot.index < replies.count else {
                    throw RedisError(
                        .unexpectedReply, "no reply \(slot.index) in \(replies.count)", command: slot.request.name)
                }
                return try slot.request.response(to: replies[slot.index])
            }
        }
    }

    private(set) var commands: [RedisCommand] = []

    public init() {}

    /// Adds a command; read its response with the slot returned.
    @discardableResult
    public mutating func append<Request: RedisRequest>(_ request: Request) -> Slot<Request> {
        commands.append(request.command)
        return Slot(index: commands.count - 1, request: request)
    }
}
