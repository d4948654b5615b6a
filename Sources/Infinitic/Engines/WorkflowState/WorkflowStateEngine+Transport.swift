import Foundation
import InfiniticTransport

extension WorkflowStateEngine {
    /// The field holding a state's header (read with every batch).
    public static let headerField = StateField.header

    /// The fields the transport reads together with each batch: the header, or every part of a small state.
    public static func prefetch(_ workflowName: String) -> StatePrefetch {
        StatePrefetch(
            namePrefix: Topics.workflowStatePrefetch(workflowName).namePrefix, fields: [StateField.header],
            wholeUpTo: 16)
    }

    /// Reads some fields of a state (every field when nil), with its version; nil when there is no state.
    public typealias StateReader = @Sendable (_ fields: [String]?) async throws -> StateFields?

    /// How the step reads the state's parts it needs, at most this many times before it reads them all.
    static let partialReadRounds = 6

    /// One step of the runtime, for a batch of messages of one workflow instance, given the state read with the
    /// batch (`stored`, nil if there is none) and a reader for the parts it then needs: the disposition that
    /// acknowledges the batch together with the outputs and the compare-and-set write of the changed parts. A
    /// concurrent writer makes the commit fail on the version; the batch is then processed again (the
    /// idempotency rules make that harmless). Messages that cannot be decoded, or whose workflow id is not
    /// their key, are dead-lettered on their own.
    public func disposition(
        for batch: MessageBatch, stored: StateFields?, read: StateReader, now: Date
    ) async -> BatchDisposition {
        var envelopes: [WorkflowEngineEnvelope] = []
        var deadLetters: [String: String] = [:]
        for message in batch.messages {
            do {
                let envelope = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload)
                if let key = message.key, key != envelope.message.workflowId {
                    deadLetters[message.id] =
                        "its key '\(key)' is not the workflow id of its payload '\(envelope.message.workflowId)'"
                } else if envelope.message.workflowName != workflowName {
                    deadLetters[message.id] =
                        "it is for workflow '\(envelope.message.workflowName)', this engine serves '\(workflowName)'"
                } else {
                    envelopes.append(envelope)
                }
            } catch {
                deadLetters[message.id] = "undecodable workflow engine message: \(error)"
            }
        }
        guard let workflowId = envelopes.first?.message.workflowId else {
            return .ack(deadLetters: deadLetters)
        }
        let key = Topics.workflowState(workflowName, workflowId: workflowId)
        do {
            let (transition, version) = try await transition(for: envelopes, stored: stored, read: read, now: now)
            var writes: [StateWrite] = []
            switch transition.state {
            case .unchanged:
                break
            case .updated(let state):
                writes.append(try state.write(to: key))
            case .deleted:
                if let version { writes.append(StateWrite(key: key, operation: .delete, expectedVersion: version)) }
            }
            let messages = try transition.outputs.map { try $0.outgoingMessage(codec: codec) }
            return .ack(Commit(messages: messages, writes: writes), deadLetters: deadLetters)
        } catch {
            return BatchDisposition(
                .retry(after: .seconds(1), reason: "cannot apply messages to the state of \(workflowId): \(error)"),
                deadLetters: deadLetters)
        }
    }

    /// Runs the step, reading the parts it asks for, until it needs nothing more. Returns the transition and
    /// the version of the state it started from.
    private func transition(
        for envelopes: [WorkflowEngineEnvelope], stored: StateFields?, read: StateReader, now: Date
    ) async throws -> (WorkflowEngineTransition, Int?) {
        var state = try stored.map { try WorkflowState(stored: $0, codec: codec) }
        if let current = state {
            let likely = current.unread(Self.likelyParts(of: envelopes))
            if !likely.isEmpty { state = try await merge(likely, into: current, read: read) }
        }
        for _ in 0..<Self.partialReadRounds {
            do {
                return (try handle(envelopes, state: state, now: now), state?.version)
            } catch let needed as StatePartsNeeded {
                guard let current = state else { throw needed }
                state = try await merge(needed.fields, into: current, read: read)
            }
        }
        state = try await read(nil).map { try WorkflowState(stored: $0, codec: codec) }
        return (try handle(envelopes, state: state, now: now), state?.version)
    }

    /// `state` with `fields` read; the whole state read afresh when it changed meanwhile (nil if it is gone).
    private func merge(
        _ fields: Set<String>, into state: WorkflowState, read: StateReader
    ) async throws -> WorkflowState? {
        var merged = state
        if let fresh = try await read(fields.sorted()) {
            do {
                try merged.merge(fresh, asked: fields)
                return merged
            } catch is WorkflowStateChanged {}
        }
        return try await read(nil).map { try WorkflowState(stored: $0, codec: codec) }
    }
}
