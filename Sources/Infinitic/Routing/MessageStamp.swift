import Foundation

/// Stamps the messages emitted while handling one input: ids derived from the input's id and the output's
/// rank (handling the same input again emits the same ids), the emitter's name and the handling instant.
struct MessageStamp {
    let inputMessageId: String
    let emitterName: String
    let now: Date
    private(set) var count = 0

    init(inputMessageId: String, emitterName: String, now: Date) {
        self.inputMessageId = inputMessageId
        self.emitterName = emitterName
        self.now = now
    }

    /// The envelope of the next output.
    mutating func envelope<Message>(_ message: Message, requester: Requester?) -> Envelope<Message> {
        defer { count += 1 }
        return Envelope(
            messageId: StableId.output(of: inputMessageId, index: count), emitterName: emitterName, emittedAt: now,
            requester: requester, message: message)
    }
}
