import Foundation
import Infinitic
import Synchronization

/// A whole Infinitic system in one test, without a transport: a queue of encoded messages routed by topic to
/// the engines and executors, a versioned state store applying their commits, and a virtual clock for
/// scheduled messages. It exercises exactly what the runtime will: `Outbound` → `OutgoingMessage` bytes →
/// decode → engine → `Disposition` → commit.
///
/// `shuffleSeed` delivers messages in a random order that keeps, like the transport, the order of one
/// producer's messages per key; `duplicateEvery` delivers every n-th message a second time; `engineBatch` hands
/// a state engine up to that many waiting messages of one instance at once (as the transport does);
/// `partialStateReads` gives a state engine only the header of a stored state, so that it reads the parts it
/// needs (as it does on large states).
final class EngineLoop {
    let codec: any PayloadCodec
    let workflowExecutor: WorkflowExecutor
    let serviceExecutor: ServiceExecutor
    let workflowTagEngine = WorkflowTagEngine(emitterName: "workflow-tag-engine")
    let serviceTagEngine = ServiceTagEngine(emitterName: "service-tag-engine")
    private var engines: [String: WorkflowStateEngine] = [:]

    private(set) var clock = Date(timeIntervalSince1970: 1_700_000_000)
    private(set) var states: [String: StateFields] = [:]
    private(set) var sets: [String: Set<String>] = [:]
    private(set) var clientInbox: [ClientEnvelope] = []
    private(set) var processed = 0
    /// How many command results reached a state engine while a workflow task of their instance ran.
    private(set) var resultsWhileWorkflowTaskRan = 0
    /// How many state engine steps applied several messages at once.
    private(set) var batchedEngineSteps = 0
    /// How many times a state engine read parts of a state besides those read with its messages.
    private(set) var partReads = 0

    private struct Queued {
        var message: OutgoingMessage
        /// Which component emitted it: order is kept per (topic, key, source).
        var source: String
        var duplicable: Bool
    }

    private var queue: [Queued] = []
    private var scheduled: [(due: Date, queued: Queued)] = []
    private var random: SeededRandom?
    private let duplicateEvery: Int?
    private let loseStateWriteEvery: Int?
    private let engineBatch: Int
    private let partialStateReads: Bool
    /// How many engine commits published their messages but lost their state write (then were redelivered).
    private(set) var lostStateWrites = 0

    init(
        workflows: [WorkflowDefinition] = [WorkflowFixtures.trips], services: [ServiceDefinition] = Fixtures.services,
        checkMode: CheckMode = .simple, shuffleSeed: UInt64? = nil, duplicateEvery: Int? = nil,
        loseStateWriteEvery: Int? = nil, engineBatch: Int = 1, partialStateReads: Bool = false,
        codec: any PayloadCodec = EngineLoop.defaultCodec
    ) {
        self.codec = codec
        workflowExecutor = WorkflowExecutor(
            definitions: workflows, emitterName: "workflow-executor", checkMode: checkMode, codec: codec)
        serviceExecutor = ServiceExecutor(definitions: services, emitterName: "service-executor", codec: codec)
        for workflow in workflows {
            engines[workflow.name] = WorkflowStateEngine(
                workflowName: workflow.name, emitterName: "workflow-engine", codec: codec)
        }
        random = shuffleSeed.map(SeededRandom.init)
        self.duplicateEvery = duplicateEvery
        self.loseStateWriteEvery = loseStateWriteEvery
        self.engineBatch = max(1, engineBatch)
        self.partialStateReads = partialStateReads
    }

    /// The codec of a loop that does not choose one: the default codec (`BinaryPayloadCodec`), or
    /// `JSONPayloadCodec` when the environment has `INFINITIC_TEST_CODEC=json` (to run every end-to-end test
    /// with it).
    static var defaultCodec: any PayloadCodec {
        ProcessInfo.processInfo.environment["INFINITIC_TEST_CODEC"] == "json"
            ? JSONPayloadCodec() : BinaryPayloadCodec()
    }

    // MARK: client side

    /// Starts `method` of a new `workflowName` instance with a waiting client, as a client would.
    @discardableResult
    func startWorkflow(
        _ workflowName: String = "Trips", id: String = UUID().uuidString, method: String, arguments: [Payload],
        tags: Set<String> = [], client: String = "test-client"
    ) throws -> String {
        let dispatch = DispatchWorkflow(
            workflowName: workflowName, workflowId: id, methodName: method, arguments: arguments, tags: tags,
            clientWaiting: true)
        try send(.workflowEngine(clientEnvelope(.dispatchWorkflow(dispatch), client: client)), source: client)
        return id
    }

    /// Sends a message as the client `client`.
    func sendAsClient(_ message: WorkflowEngineMessage, client: String = "test-client") throws {
        try send(.workflowEngine(clientEnvelope(message, client: client)), source: client)
    }

    /// Sends a tag-engine message as the client `client`.
    func sendAsClient(_ message: WorkflowTagMessage, client: String = "test-client") throws {
        let envelope = Envelope(
            messageId: UUID().uuidString, emitterName: client, emittedAt: clock, requester: .client(name: client),
            message: message)
        try send(.workflowTag(envelope), source: client)
    }

    func clientEnvelope<Message>(_ message: Message, client: String) -> Envelope<Message> {
        Envelope(
            messageId: UUID().uuidString, emitterName: client, emittedAt: clock, requester: .client(name: client),
            message: message)
    }

    /// The client responses about `workflowId`, without redeliveries (a client drops a message id it has seen).
    func responses(for workflowId: String) -> [ClientMessage] {
        var seen: Set<String> = []
        return clientInbox.filter { seen.insert($0.messageId).inserted }.map(\.message).filter { message in
            switch message {
            case .methodCompleted(let completed): completed.workflowId == workflowId
            case .methodFailed(let error): error.workflowId == workflowId
            case .methodCanceled(let error): error.workflowId == workflowId
            case .methodUnknown(let error): error.workflowId == workflowId
            case .workflowIds, .taskIds: false
            }
        }
    }

    /// The value the method `methodId` (default: the main method) returned, decoded.
    func result<Value: Decodable>(_ type: Value.Type, workflowId: String, methodId: String? = nil) throws -> Value? {
        for case .methodCompleted(let completed) in responses(for: workflowId)
        where completed.methodId == (methodId ?? workflowId) {
            return try codec.value(type, from: completed.value)
        }
        return nil
    }

    /// The stored state of an instance, if any.
    func state(_ workflowId: String, workflowName: String = "Trips") throws -> WorkflowState? {
        try states[Topics.workflowState(workflowName, workflowId: workflowId).name].map {
            try WorkflowState(stored: $0, codec: codec)
        }
    }

    func ids(_ key: StateKey) -> Set<String> { sets[key.name] ?? [] }

    // MARK: running

    /// Enqueues an outbound message.
    func send(_ outbound: Outbound, source: String, duplicable: Bool = false) throws {
        let message = try outbound.outgoingMessage(codec: codec)
        let queued = Queued(message: message, source: source, duplicable: duplicable)
        switch message.delivery {
        case .now: queue.append(queued)
        case .after(let delay): scheduled.append((clock.addingTimeInterval(delay.seconds), queued))
        case .at(let date): scheduled.append((date, queued))
        }
    }

    /// Processes messages until none is left (moving the clock to scheduled ones), at most `limit`.
    func run(limit: Int = 10_000) async throws {
        while processed < limit {
            if queue.isEmpty {
                guard let next = scheduled.indices.min(by: { scheduled[$0].due < scheduled[$1].due }) else { return }
                let (due, queued) = scheduled.remove(at: next)
                clock = max(clock, due)
                queue.append(queued)
            }
            let batch = takeBatch(at: nextIndex())
            processed += batch.count
            try await process(batch.map(\.message))
            for queued in batch where queued.duplicable {
                if let duplicateEvery, processed % duplicateEvery == 0 {
                    queue.append(Queued(message: queued.message, source: "redelivery-\(processed)", duplicable: false))
                }
            }
        }
        throw LoopError("still running after \(limit) messages")
    }

    /// Processes at most `steps` messages (fewer if the queue empties), without moving to scheduled ones.
    func run(steps: Int) async throws {
        for _ in 0..<steps where !queue.isEmpty {
            let batch = takeBatch(at: nextIndex())
            processed += batch.count
            try await process(batch.map(\.message))
        }
    }

    /// The number of messages waiting (immediate and scheduled).
    var pendingCount: Int { queue.count + scheduled.count }

    /// The message at `index` and, for a state engine, later messages of its instance (in queue order, which
    /// keeps each producer's order), up to `engineBatch`.
    private func takeBatch(at index: Int) -> [Queued] {
        let first = queue.remove(at: index)
        guard engineBatch > 1, first.message.topic.name.hasPrefix("workflow-engine:"), let key = first.message.key
        else { return [first] }
        var batch = [first]
        var position = 0
        while batch.count < engineBatch, position < queue.count {
            let candidate = queue[position].message
            if candidate.topic == first.message.topic && candidate.key == key {
                batch.append(queue.remove(at: position))
            } else {
                position += 1
            }
        }
        return batch
    }

    /// FIFO, or a random message among those first of their (topic, key, source).
    private func nextIndex() -> Int {
        guard var random else { return 0 }
        var seen: Set<String> = []
        var candidates: [Int] = []
        for (index, queued) in queue.enumerated() {
            let group = "\(queued.message.topic.name)|\(queued.message.key ?? "")|\(queued.source)"
            if seen.insert(group).inserted { candidates.append(index) }
        }
        let choice = candidates[Int(random.next() % UInt64(candidates.count))]
        self.random = random
        return choice
    }

    private func process(_ messages: [OutgoingMessage]) async throws {
        clock = clock.addingTimeInterval(0.001)
        let message = messages[0]
        let name = message.topic.name
        let received = ReceivedMessage(
            id: message.id, topic: message.topic, key: message.key, payload: message.payload, deliveryCount: 1,
            publishedAt: clock)
        if name.hasPrefix("workflow-engine:") {
            let engine = engines[String(name.dropFirst("workflow-engine:".count))]!
            try await processEngineBatch(messages, engine: engine)
        } else if name.hasPrefix("workflow-executor:") {
            try apply(await workflowExecutor.disposition(for: received, now: clock), source: "workflow-executor")
        } else if name.hasPrefix("service-executor:") {
            try apply(
                await serviceExecutor.disposition(for: received, now: clock, random: { 0.5 }),
                source: "service-executor")
        } else if name.hasPrefix("workflow-tag:") {
            let disposition = try await workflowTagEngine.disposition(for: received, codec: codec, now: clock) {
                self.ids($0)
            }
            try apply(disposition, source: "workflow-tag")
        } else if name.hasPrefix("service-tag:") {
            let disposition = try await serviceTagEngine.disposition(for: received, codec: codec, now: clock) {
                self.ids($0)
            }
            try apply(disposition, source: "service-tag")
        } else if name.hasPrefix("client:") {
            clientInbox.append(try codec.decode(ClientEnvelope.self, from: message.payload))
        } else {
            throw LoopError("no consumer for topic \(name)")
        }
    }

    private func processEngineBatch(_ messages: [OutgoingMessage], engine: WorkflowStateEngine) async throws {
        let batch = MessageBatch(
            messages.map {
                ReceivedMessage(
                    id: $0.id, topic: $0.topic, key: $0.key, payload: $0.payload, deliveryCount: 1,
                    publishedAt: clock)
            })
        if messages.count > 1 { batchedEngineSteps += 1 }
        let key = Topics.workflowState(engine.workflowName, workflowId: messages[0].key ?? "")
        let stored = states[key.name]
        if let stored, let header = try? WorkflowState(stored: stored, codec: codec), header.runningWorkflowTask != nil
        {
            for message in messages {
                if case .commandResult = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload).message {
                    resultsWhileWorkflowTaskRan += 1
                }
            }
        }
        // What the transport reads with the batch: every part of a small state, or the header only.
        let prefetch = WorkflowStateEngine.prefetch(engine.workflowName)
        let prefetched = stored.map { stored in
            partialStateReads || stored.fields.count > prefetch.wholeUpTo
                ? StateFields(
                    version: stored.version, fields: stored.fields.filter { prefetch.fields.contains($0.key) },
                    isComplete: false)
                : stored
        }
        let reads = Counter()
        let decision = await engine.disposition(
            for: batch, stored: prefetched,
            read: { fields in
                reads.increment()
                guard let stored else { return nil }
                guard let fields else { return stored }
                return StateFields(
                    version: stored.version, fields: stored.fields.filter { fields.contains($0.key) },
                    isComplete: false)
            }, now: clock)
        partReads += reads.value
        guard decision.deadLetters.isEmpty else { throw LoopError("dead letters: \(decision.deadLetters)") }
        let disposition = decision.disposition
        if let loseStateWriteEvery, processed % loseStateWriteEvery == 0, case .ack(var commit) = disposition,
            !commit.writes.isEmpty
        {
            // Publish-then-save where the save is lost (a crash, or a version conflict): the outputs are out,
            // the state is not written, and the inputs come back.
            lostStateWrites += 1
            commit.writes = []
            try apply(.ack(commit), source: "engine")
            for message in messages {
                queue.append(Queued(message: message, source: "redelivery-\(processed)", duplicable: false))
            }
            return
        }
        try apply(disposition, source: "engine")
    }

    /// Applies a commit like the transport: version checks first, then writes and publications.
    private func apply(_ disposition: Disposition, source: String) throws {
        guard case .ack(let commit) = disposition else {
            throw LoopError("unexpected disposition \(disposition)")
        }
        for write in commit.writes {
            if let expected = write.expectedVersion, (states[write.key.name]?.version ?? 0) != expected {
                throw LoopError("version conflict on \(write.key)")
            }
        }
        for write in commit.writes {
            switch write.operation {
            case .put(let bytes):
                states[write.key.name] = StateFields(
                    version: (states[write.key.name]?.version ?? 0) + 1, fields: [StateFields.blobField: bytes],
                    isComplete: true)
            case .setFields(let set, let removing, let replacingAll):
                var stored =
                    states[write.key.name] ?? StateFields(version: 0, fields: [:], isComplete: true)
                stored.version += 1
                if replacingAll { stored.fields = [:] }
                for field in removing { stored.fields[field] = nil }
                stored.fields.merge(set) { _, new in new }
                states[write.key.name] = stored
            case .delete:
                states[write.key.name] = nil
            case .addToSet(let members):
                sets[write.key.name, default: []].formUnion(members)
            case .removeFromSet(let members):
                sets[write.key.name, default: []].subtract(members)
                if sets[write.key.name]?.isEmpty == true { sets[write.key.name] = nil }
            }
        }
        for message in commit.messages {
            let queued = Queued(message: message, source: source, duplicable: true)
            switch message.delivery {
            case .now: queue.append(queued)
            case .after(let delay): scheduled.append((clock.addingTimeInterval(delay.seconds), queued))
            case .at(let date): scheduled.append((date, queued))
            }
        }
    }
}

/// Counts calls from a `@Sendable` closure.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

struct LoopError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64: reproducible shuffles.
struct SeededRandom {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension PayloadCodec {
    /// Encodes each argument.
    func arguments<each Argument: Encodable>(_ arguments: repeat each Argument) throws -> [Payload] {
        var payloads: [Payload] = []
        for argument in repeat each arguments { payloads.append(try payload(argument)) }
        return payloads
    }
}
