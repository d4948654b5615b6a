import Foundation

/// A tag engine as its role needs it: the messages of one tag topic, which need the tag's ids, and the pure
/// handling of one message given them.
public protocol TagEngine: Sendable {
    associatedtype Message: Sendable & Codable & TagMessage

    /// The consumer group of this kind of tag engine.
    static var group: String { get }
    /// The keyed topic of the tag engine of `name` (a service or workflow name).
    static func topic(_ name: String) -> Topic

    var emitterName: String { get }
    /// Whether handling the message needs the current ids of its tag.
    func needsIds(_ message: Message) -> Bool
    /// The set of ids a message's tag maps to.
    func idsKey(_ message: Message) -> StateKey
    /// Handles a message, given the tag's ids when `needsIds` (empty otherwise).
    func handle(_ envelope: Envelope<Message>, ids: Set<String>, now: Date) -> TagEngineStep
    /// The state key (stored with `put`) a message needs read, if any.
    func stateKey(_ message: Message) -> StateKey?
    /// Handles a message, given the tag's ids when `needsIds` and what its `stateKey` holds.
    func handle(
        _ envelope: Envelope<Message>, ids: Set<String>, stored: [UInt8]?, now: Date, codec: any PayloadCodec
    ) -> TagEngineStep
}

extension TagEngine {
    public func stateKey(_ message: Message) -> StateKey? { nil }

    public func handle(
        _ envelope: Envelope<Message>, ids: Set<String>, stored: [UInt8]?, now: Date, codec: any PayloadCodec
    ) -> TagEngineStep {
        handle(envelope, ids: ids, now: now)
    }
}

/// A message of a tag topic: it names its tag (the topic key).
public protocol TagMessage {
    var tag: String { get }
}

/// The role of a tag engine (`ServiceTagEngineRole`, `WorkflowTagEngineRole`): consumes the keyed tag topic,
/// one batch of messages of one tag at a time, reads the tag's ids once when a message of the batch needs them,
/// and acknowledges the batch with the set writes and the messages (answers, by-tag fan-out) in one commit.
public struct TagEngineRole<Engine: TagEngine>: Role {
    public static var group: String { Engine.group }
    /// The most messages of one tag handled in one step.
    public static var batchSize: Int { 100 }

    public let name: String
    public let engine: Engine
    private let codec: any PayloadCodec

    public init(name: String, engine: Engine, codec: any PayloadCodec) {
        self.name = name
        self.engine = engine
        self.codec = codec
    }

    public var topic: Topic { Engine.topic(name) }
    public var keyBatchSize: Int { Self.batchSize }

    public func decode(_ message: ReceivedMessage) throws -> Envelope<Engine.Message> {
        let envelope = try codec.decode(Envelope<Engine.Message>.self, from: message.payload)
        guard let key = message.key else {
            throw InfiniticError(.invalidMessage, "it has no key (the tag of its payload is '\(envelope.message.tag)')")
        }
        if key != envelope.message.tag {
            throw InfiniticError(
                .invalidMessage, "its key '\(key)' is not the tag of its payload '\(envelope.message.tag)'")
        }
        return envelope
    }

    public func step(
        _ inputs: [RoleInput<Envelope<Engine.Message>>], context: RoleContext
    ) async throws -> BatchDisposition {
        var writes: [StateWrite] = []
        var outputs: [Outbound] = []
        /// The tag's ids as the batch changed them, once read.
        var ids: Set<String>?
        for input in inputs {
            let message = input.value.message
            if ids == nil, engine.needsIds(message) {
                let key = engine.idsKey(message)
                var read = try await context.store.members(of: key)
                // The set writes of the batch's earlier messages (a tag added just before a signal by tag) are not
                // stored yet: they apply on top of what the store holds.
                Self.apply(writes.filter { $0.key == key }, to: &read)
                ids = read
            }
            var stored: [UInt8]?
            if let key = engine.stateKey(message) {
                // A write of this batch to the key wins over what the store holds.
                if let written = writes.last(where: { $0.key == key }) {
                    if case .put(let bytes) = written.operation { stored = bytes }
                } else {
                    stored = try await context.store.read(key, fields: [StateFields.blobField])?
                        .fields[StateFields.blobField]
                }
            }
            let step = engine.handle(input.value, ids: ids ?? [], stored: stored, now: context.now(), codec: codec)
            writes += step.writes
            outputs += step.outputs
            if ids != nil { Self.apply(step.writes, to: &ids!) }
        }
        return .ack(Commit(messages: try outputs.map { try $0.outgoingMessage(codec: codec) }, writes: writes))
    }

    /// `ids` with the set additions and removals of `writes` applied, in order.
    private static func apply(_ writes: [StateWrite], to ids: inout Set<String>) {
        for write in writes {
            switch write.operation {
            case .addToSet(let members): ids.formUnion(members)
            case .removeFromSet(let members): ids.subtract(members)
            case .put, .setFields, .delete, .expire: break
            }
        }
    }
}

/// Keeps the tag → task ids sets of a service.
public typealias ServiceTagEngineRole = TagEngineRole<ServiceTagEngine>
/// Keeps the tag → workflow ids sets of a workflow and fans by-tag commands out.
public typealias WorkflowTagEngineRole = TagEngineRole<WorkflowTagEngine>

extension ServiceTagEngine: TagEngine {
    public static var group: String { "service-tag-engine" }
    public static func topic(_ name: String) -> Topic { Topics.serviceTag(name) }
}

extension WorkflowTagEngine: TagEngine {
    public static var group: String { "workflow-tag-engine" }
    public static func topic(_ name: String) -> Topic { Topics.workflowTag(name) }
}

extension ServiceTagMessage: TagMessage {}
extension WorkflowTagMessage: TagMessage {}

extension TagEngineRole where Engine == ServiceTagEngine {
    /// The service tag engine of `serviceName`, with the emitter name and codec of `environment`.
    public init(serviceName: String, environment: RoleEnvironment) {
        self.init(
            name: serviceName, engine: ServiceTagEngine(emitterName: environment.emitterName),
            codec: environment.codec)
    }
}

extension TagEngineRole where Engine == WorkflowTagEngine {
    /// The workflow tag engine of `workflowName`, with the emitter name and codec of `environment`.
    public init(workflowName: String, environment: RoleEnvironment) {
        self.init(
            name: workflowName, engine: WorkflowTagEngine(emitterName: environment.emitterName),
            codec: environment.codec)
    }
}
