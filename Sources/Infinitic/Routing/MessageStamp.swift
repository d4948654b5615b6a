import Foundation

/// Stamps the messages emitted while handling one input: ids derived from the input's id and the output's
/// rank (handling the same input again emits the same ids), the emitter's name, the handling instant, and the
/// input's headers (outputs carry the headers of what caused them).
struct MessageStamp {
    let inputMessageId: String
    let emitterName: String
    let now: Date
    var headers: [String: String]
    private(set) var count = 0

    init(inputMessageId: String, emitterName: String, now: Date, headers: [String: String] = [:]) {
        self.inputMessageId = inputMessageId
        self.emitterName = emitterName
        self.now = now
        self.headers = headers
    }

    /// The envelope of the next output, with the stamp's headers or `headers` when given.
    mutating func envelope<Message>(
        _ message: Message, requester: Requester?, headers: [String: String]? = nil
    ) -> Envelope<Message> {
        defer { count += 1 }
        return Envelope(
            messageId: StableId.output(of: inputMessageId, index: count), emitterName: emitterName, emittedAt: now,
            requester: requester, message: message, headers: headers ?? self.headers)
    }
}
