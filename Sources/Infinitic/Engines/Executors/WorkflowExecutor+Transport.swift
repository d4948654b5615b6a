import Foundation

extension WorkflowExecutor {
    /// One step of the runtime loop, without I/O: replays the received workflow task and acknowledges it
    /// together with its outputs (the result for the engine and the new commands).
    public func disposition(for message: ReceivedMessage, now: Date) async -> Disposition {
        let envelope: WorkflowExecutorEnvelope
        do {
            envelope = try codec.decode(WorkflowExecutorEnvelope.self, from: message.payload)
        } catch {
            return .deadLetter(reason: "undecodable workflow task: \(error)")
        }
        let outputs = await execute(envelope, now: now)
        do {
            return .ack(Commit(messages: try outputs.map { try $0.outgoingMessage(codec: codec) }))
        } catch {
            return .retry(after: .seconds(1), reason: "cannot encode the outputs of \(envelope.messageId): \(error)")
        }
    }
}
