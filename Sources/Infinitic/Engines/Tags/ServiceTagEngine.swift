import Foundation

/// The service tag engine as pure logic: tag → task ids sets (as set writes) and lookups.
public struct ServiceTagEngine: Sendable {
    public let emitterName: String

    public init(emitterName: String) {
        self.emitterName = emitterName
    }

    /// Whether handling the message needs the current ids of its tag.
    public func needsIds(_ message: ServiceTagMessage) -> Bool {
        if case .getIds = message { return true }
        return false
    }

    /// The set of ids a message's tag maps to.
    public func idsKey(_ message: ServiceTagMessage) -> StateKey {
        Topics.serviceTagIds(message.serviceName, tag: message.tag)
    }

    /// Handles a message, given the tag's ids when `needsIds` (empty otherwise).
    public func handle(_ envelope: ServiceTagEnvelope, ids: Set<String>, now: Date) -> TagEngineStep {
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let message = envelope.message
        switch message {
        case .addTag(let change):
            return TagEngineStep(writes: [StateWrite(key: idsKey(message), operation: .addToSet([change.taskId]))])
        case .removeTag(let change):
            return TagEngineStep(writes: [StateWrite(key: idsKey(message), operation: .removeFromSet([change.taskId]))])
        case .getIds(let query):
            guard case .client(let name) = envelope.requester else { return TagEngineStep() }
            let answer = IdsByTag(name: query.serviceName, tag: query.tag, ids: ids.sorted())
            return TagEngineStep(outputs: [.client(name: name, stamp.envelope(.taskIds(answer), requester: nil))])
        }
    }
}
