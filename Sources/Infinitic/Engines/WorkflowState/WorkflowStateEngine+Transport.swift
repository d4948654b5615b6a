import Foundation

extension WorkflowStateEngine {
    /// Where the state of the instance a message is for lives (the message's key is the workflow id).
    public func stateKey(for message: ReceivedMessage, codec: any PayloadCodec) throws -> StateKey {
        if let workflowId = message.key { return Topics.workflowState(workflowName, workflowId: workflowId) }
        let envelope = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload)
        return Topics.workflowState(workflowName, workflowId: envelope.message.workflowId)
    }

    /// One step of the runtime loop, without I/O: given a received message and the stored state (with its
    /// version, read by the caller), the disposition that acknowledges the message together with the outputs
    /// and the compare-and-set write of the new state. A concurrent writer makes the commit fail on the version;
    /// the message is then processed again (the idempotency rules make that harmless).
    public func disposition(
        for message: ReceivedMessage, stored: VersionedValue?, codec: any PayloadCodec, now: Date
    ) -> Disposition {
        let envelope: WorkflowEngineEnvelope
        do {
            envelope = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload)
        } catch {
            return .deadLetter(reason: "undecodable workflow engine message: \(error)")
        }
        let state: WorkflowState?
        do {
            state = try stored.map { try Self.decodeState($0.bytes, codec: codec) }
        } catch {
            return .retry(after: .seconds(1), reason: "unreadable state of \(envelope.message.workflowId): \(error)")
        }
        let transition = handle(envelope, state: state, now: now)
        do {
            let key = Topics.workflowState(workflowName, workflowId: envelope.message.workflowId)
            var writes: [StateWrite] = []
            switch transition.state {
            case .unchanged:
                break
            case .updated(let newState):
                writes.append(
                    StateWrite(
                        key: key, operation: .put(try codec.encode(newState)), expectedVersion: stored?.version ?? 0))
            case .deleted:
                if let stored {
                    writes.append(StateWrite(key: key, operation: .delete, expectedVersion: stored.version))
                }
            }
            let messages = try transition.outputs.map { try $0.outgoingMessage(codec: codec) }
            return .ack(Commit(messages: messages, writes: writes))
        } catch {
            return .retry(after: .seconds(1), reason: "cannot encode the outputs of \(envelope.messageId): \(error)")
        }
    }

    /// Decodes a stored state, refusing one written by a newer schema.
    public static func decodeState(_ bytes: [UInt8], codec: any PayloadCodec) throws -> WorkflowState {
        let state = try codec.decode(WorkflowState.self, from: bytes)
        guard state.schemaVersion <= WorkflowState.currentSchemaVersion else {
            throw WorkflowUsageError(
                "state schema \(state.schemaVersion) is newer than this code's \(WorkflowState.currentSchemaVersion)")
        }
        return state
    }
}
