import Foundation

extension ServiceExecutor {
    /// One step of the runtime loop, without I/O of its own: runs the received task and acknowledges it
    /// together with its outputs (the result, or the retry scheduled for later). `random` draws the jitter.
    public func disposition(
        for message: ReceivedMessage, now: Date, random: @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) async -> Disposition {
        let envelope: ServiceExecutorEnvelope
        do {
            envelope = try codec.decode(ServiceExecutorEnvelope.self, from: message.payload)
        } catch {
            return .deadLetter(reason: "undecodable service task: \(error)")
        }
        let outputs = await execute(envelope, now: now, random: random)
        do {
            return .ack(Commit(messages: try outputs.map { try $0.outgoingMessage(codec: codec) }))
        } catch {
            return .retry(after: .seconds(1), reason: "cannot encode the outputs of \(envelope.messageId): \(error)")
        }
    }
}
