import Foundation

extension WorkflowTagEngine {
    /// One step of the runtime loop: decodes the message, asks `readIds` for the tag's ids only when needed
    /// (the caller does that read), and acknowledges with the set writes and the fan-out.
    public func disposition(
        for message: ReceivedMessage, codec: any PayloadCodec, now: Date,
        readIds: (StateKey) async throws -> Set<String>
    ) async throws -> Disposition {
        let envelope: WorkflowTagEnvelope
        do {
            envelope = try codec.decode(WorkflowTagEnvelope.self, from: message.payload)
        } catch {
            return .deadLetter(reason: "undecodable workflow tag message: \(error)")
        }
        let ids = needsIds(envelope.message) ? try await readIds(idsKey(envelope.message)) : []
        return try handle(envelope, ids: ids, now: now).disposition(codec: codec)
    }
}

extension ServiceTagEngine {
    /// One step of the runtime loop: decodes the message, asks `readIds` for the tag's ids only when needed
    /// (the caller does that read), and acknowledges with the set writes and the answer.
    public func disposition(
        for message: ReceivedMessage, codec: any PayloadCodec, now: Date,
        readIds: (StateKey) async throws -> Set<String>
    ) async throws -> Disposition {
        let envelope: ServiceTagEnvelope
        do {
            envelope = try codec.decode(ServiceTagEnvelope.self, from: message.payload)
        } catch {
            return .deadLetter(reason: "undecodable service tag message: \(error)")
        }
        let ids = needsIds(envelope.message) ? try await readIds(idsKey(envelope.message)) : []
        return try handle(envelope, ids: ids, now: now).disposition(codec: codec)
    }
}
