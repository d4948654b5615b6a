import Foundation
import Infinitic
import Synchronization

@testable import InfiniticTransport

/// A whole Infinitic system in one test, without a transport: a queue of encoded messages routed by topic to
/// the roles, a versioned state store applying their commits, and a virtual clock for scheduled messages. It
/// runs the roles' own `handle` (decode, dead letters, interceptors, step) as `RoleRunner` does in production,
/// and settles what they decide as the transports do (`HandlerRunner`: a thrown error is a retry with backoff,
/// the last allowed delivery dead-letters): `Outbound` → `OutgoingMessage` bytes → `Role.handle` →
/// `BatchDisposition` → a commit checked for version conflicts (the step runs again on a fresh read, twice,
/// then the batch is retried), a retry (delivered again later, its delivery count one higher) or dead letters.
///
/// `shuffleSeed` delivers messages in a random order that keeps, like the transport, the order of one
/// producer's messages per key; `duplicateEvery` delivers every n-th message a second time; `engineBatch` hands
/// a state engine up to that many waiting messages of one instance at once (as the transport does);
/// `partialStateReads` gives a state engine only the header of a stored state, so that it reads the parts it
/// needs (as it does on large states). `conflictEvery` makes every n-th versioned commit of a state engine
/// meet a version conflict (another writer bumped the state's version first); `failReadEvery` fails every n-th
/// read of the state store (the state engine retries the batch later); `poisonEvery` slips an undecodable
/// message of the same instance into every n-th state engine batch (dead-lettered on its own). A dead letter
/// other than an injected poison ends the run with an error unless `allowDeadLetters`.
final class EngineLoop {
    let codec: any PayloadCodec
    private let roles: [String: any StepRunning]
    /// The state store the roles read and their commits write.
    let store = LoopStore()

    private(set) var clock = Date(timeIntervalSince1970: 1_700_000_000)
    /// Every stored state, by key name.
    var states: [String: StateFields] { store.allFields }
    private(set) var clientInbox: [ClientEnvelope] = []
    private(set) var processed = 0
    /// How many command results reached a state engine while a workflow task of their instance ran.
    private(set) var resultsWhileWorkflowTaskRan = 0
    /// How many state engine steps applied several messages at once.
    private(set) var batchedEngineSteps = 0
    /// How many times a state engine read parts of a state besides those read with its messages.
    var partReads: Int { store.reads }

    private struct Queued {
        var message: OutgoingMessage
        /// Which component emitted it: order is kept per (topic, key, source).
        var source: String
        var duplicable: Bool
        /// The delivery this will be (1 at first, one more per retry or redelivery).
        var deliveries = 1
    }

    /// A message the loop gave up on.
    struct DeadLetter {
        var topic: String
        var key: String?
        var messageId: String
        var deliveries: Int
        var reason: String
    }

    private var queue: [Queued] = []
    private var scheduled: [(due: Date, queued: Queued)] = []
    private var random: SplitMix64?
    private let duplicateEvery: Int?
    private let loseStateWriteEvery: Int?
    private let engineBatch: Int
    private let partialStateReads: Bool
    private let interceptors: Interceptors
    /// How many engine commits published their messages but lost their state write (then were redelivered).
    private(set) var lostStateWrites = 0
    private let maxDeliveries: Int
    private let conflictEvery: Int?
    private let poisonEvery: Int?
    private let allowDeadLetters: Bool
    /// How many commits a version check refused (each made the step run again, or the batch retry).
    private(set) var versionConflicts = 0
    /// How many messages were scheduled again by a retry.
    private(set) var retries = 0
    /// The messages given up on, in order.
    private(set) var deadLetters: [DeadLetter] = []
    /// The ids of the injected poison messages.
    private(set) var poisonIds: Set<String> = []
    private var versionedCommits = 0
    private var engineBatches = 0

    init(
        workflows: [WorkflowDefinition] = [WorkflowFixtures.trips], services: [ServiceDefinition] = Fixtures.services,
        checkMode: CheckMode = .simple, shuffleSeed: UInt64? = nil, duplicateEvery: Int? = nil,
        loseStateWriteEvery: Int? = nil, engineBatch: Int = 1, partialStateReads: Bool = false,
        conflictEvery: Int? = nil, failReadEvery: Int? = nil, poisonEvery: Int? = nil, maxDeliveries: Int = 8,
        allowDeadLetters: Bool = false, codec: any PayloadCodec = EngineLoop.defaultCodec,
        interceptors: Interceptors = [], stickyReplays: Int? = nil
    ) {
        self.codec = codec
        self.maxDeliveries = maxDeliveries
        self.conflictEvery = conflictEvery
        self.poisonEvery = poisonEvery
        self.allowDeadLetters = allowDeadLetters
        store.failReadEvery = failReadEvery
        self.interceptors = interceptors
        var roles: [any StepRunning] = []
        // One executor per workflow name, with every version registered.
        var workflowNames: Set<String> = []
        for workflow in workflows where workflowNames.insert(workflow.name).inserted {
            var engine = WorkflowStateEngineRole(
                workflowName: workflow.name, emitterName: "workflow-engine", codec: codec)
            if let stickyReplays {
                // Workflow tasks replayed inline, their replays parked between tasks.
                engine.inline = WorkflowTaskRunner(
                    definitions: workflows.filter { $0.name == workflow.name }, emitterName: "workflow-executor",
                    codec: codec, checkMode: checkMode, stickyReplays: stickyReplays)
            }
            roles.append(engine)
            roles.append(
                WorkflowExecutorRole(
                    runner: WorkflowTaskRunner(
                        definitions: workflows.filter { $0.name == workflow.name }, emitterName: "workflow-executor",
                        codec: codec, checkMode: checkMode)))
            roles.append(
                WorkflowTagEngineRole(
                    name: workflow.name, engine: WorkflowTagEngine(emitterName: "workflow-tag-engine"), codec: codec))
        }
        for service in services {
            roles.append(ServiceExecutorRole(definition: service, emitterName: "service-executor", codec: codec))
            roles.append(
                ServiceTagEngineRole(
                    name: service.name, engine: ServiceTagEngine(emitterName: "service-tag-engine"), codec: codec))
        }
        self.roles = Dictionary(roles.map { ($0.topicName, $0) }, uniquingKeysWith: { first, _ in first })
        random = shuffleSeed.map { SplitMix64(seed: $0) }
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
        tags: Set<String> = [], client: String = "test-client", headers: [String: String] = [:]
    ) throws -> String {
        let dispatch = DispatchWorkflow(
            workflowName: workflowName, workflowId: id, methodName: method, arguments: arguments, tags: tags,
            clientWaiting: true)
        var envelope = clientEnvelope(WorkflowEngineMessage.dispatchWorkflow(dispatch), client: client)
        envelope.headers = headers
        try send(.workflowEngine(envelope), source: client)
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
            case .workflowIds, .taskIds, .methodRedirected, .delegatedTaskAnswer, .scheduleAnswer: false
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
        try store.fields(of: Topics.workflowState(workflowName, workflowId: workflowId)).map {
            try WorkflowState(stored: $0, codec: codec)
        }
    }

    func ids(_ key: StateKey) -> Set<String> { store.ids(key) }

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
            try await process(batch)
            for queued in batch where queued.duplicable {
                if let duplicateEvery, processed % duplicateEvery == 0 {
                    queue.append(
                        Queued(
                            message: queued.message, source: "redelivery-\(processed)", duplicable: false,
                            deliveries: queued.deliveries + 1))
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
            try await process(batch)
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

    private func process(_ batch: [Queued]) async throws {
        clock = clock.addingTimeInterval(0.001)
        store.advance(to: clock)
        var batch = batch
        let messages = batch.map(\.message)
        let name = messages[0].topic.name
        if name.hasPrefix("client:") {
            for message in messages { clientInbox.append(try codec.decode(ClientEnvelope.self, from: message.payload)) }
            return
        }
        guard let role = roles[name] else { throw LoopError("no consumer for topic \(name)") }
        let isEngine = name.hasPrefix("workflow-engine:")
        var prefetched: PrefetchedState?
        if isEngine {
            engineBatches += 1
            prefetched = try countEngineInputs(messages, workflowName: String(name.dropFirst("workflow-engine:".count)))
            if let poisonEvery, engineBatches % poisonEvery == 0 {
                // An undecodable message of the same instance, in the middle of the batch.
                let poison = OutgoingMessage(
                    topic: messages[0].topic, key: messages[0].key, payload: Array("poison".utf8),
                    id: "poison-\(engineBatches)")
                poisonIds.insert(poison.id)
                batch.insert(Queued(message: poison, source: "poison", duplicable: false), at: batch.count / 2)
            }
        }
        let received = batch.map {
            ReceivedMessage(
                id: $0.message.id, topic: $0.message.topic, key: $0.message.key, payload: $0.message.payload,
                deliveryCount: $0.deliveries, publishedAt: clock, prefetchedState: prefetched)
        }
        var attempt = MessageBatch(received)
        var conflicts = 0
        let (store, now, interceptors) = (store, clock, interceptors)
        while true {
            // What a step publishes ahead of its commit (a delegated task's registration) is queued at once.
            let early = Mutex<[OutgoingMessage]>([])
            let handler: BatchHandler = { batch in
                try await role.run(batch, store: store, now: now, interceptors: interceptors) { messages in
                    early.withLock { $0 += messages }
                }
            }
            let decided = await HandlerRunner.run(handler, attempt, maxDeliveries: maxDeliveries)
            publish(early.withLock { $0 }, source: name)
            guard var decision = decided else {
                throw LoopError("the handler was cancelled")
            }
            if case .ack(var commit) = decision.disposition {
                if isEngine, let loseStateWriteEvery, processed % loseStateWriteEvery == 0, !commit.writes.isEmpty {
                    // Publish-then-save where the save is lost (a crash, or a version conflict): the outputs are
                    // out, the state is not written, and the inputs come back.
                    lostStateWrites += 1
                    commit.writes = []
                    publish(commit.messages, source: "engine")
                    for queued in batch where !poisonIds.contains(queued.message.id) {
                        var again = queued
                        again.source = "redelivery-\(processed)"
                        again.duplicable = false
                        again.deliveries += 1
                        queue.append(again)
                    }
                    return
                }
                if let versioned = commit.writes.first(where: { ($0.expectedVersion ?? 0) > 0 }) {
                    versionedCommits += 1
                    if let conflictEvery, versionedCommits % conflictEvery == 0 {
                        // Another writer committed this state first: its version moved on.
                        store.bumpVersion(of: versioned.key)
                    }
                }
                if let conflict = store.conflict(in: commit.writes) {
                    versionConflicts += 1
                    conflicts += 1
                    if conflicts < 3 {
                        // As the transports do: the step runs again on the state read afresh.
                        attempt = attempt.withoutPrefetchedState()
                        continue
                    }
                    decision = HandlerRunner.resolve(
                        BatchDisposition(
                            .retry(
                                after: .milliseconds(100), reason: "state key '\(conflict.key)' changed concurrently"),
                            deadLetters: decision.deadLetters),
                        for: attempt, maxDeliveries: maxDeliveries)
                } else {
                    store.apply(commit.writes)
                    publish(commit.messages, source: String(name.prefix { $0 != ":" }))
                }
            }
            try settle(batch, received: received, decision: decision)
            return
        }
    }

    /// Settles each message of a handled batch as the transports do: acknowledged, scheduled again after its
    /// retry delay, or dead-lettered.
    private func settle(_ batch: [Queued], received: [ReceivedMessage], decision: BatchDisposition) throws {
        for (queued, message) in zip(batch, received) {
            switch decision.settlement(of: message) {
            case .ack:
                break
            case .retry(let delay, _):
                retries += 1
                var again = queued
                again.source = "retry-\(processed)"
                again.duplicable = false
                again.deliveries += 1
                scheduled.append((clock.addingTimeInterval(delay.seconds), again))
            case .deadLetter(let reason):
                deadLetters.append(
                    DeadLetter(
                        topic: message.topic.name, key: message.key, messageId: message.id,
                        deliveries: message.deliveryCount, reason: reason))
                if !allowDeadLetters && !poisonIds.contains(message.id) {
                    throw LoopError("dead letter on \(message.topic): \(reason)")
                }
            }
        }
    }

    /// Enqueues the messages a commit publishes.
    private func publish(_ messages: [OutgoingMessage], source: String) {
        for message in messages {
            let queued = Queued(message: message, source: source, duplicable: true)
            switch message.delivery {
            case .now: queue.append(queued)
            case .after(let delay): scheduled.append((clock.addingTimeInterval(delay.seconds), queued))
            case .at(let date): scheduled.append((date, queued))
            }
        }
    }

    /// Counts what a state engine batch holds, and returns what the transport would read with it: every part
    /// of a small state, or the header only.
    private func countEngineInputs(_ messages: [OutgoingMessage], workflowName: String) throws -> PrefetchedState? {
        if messages.count > 1 { batchedEngineSteps += 1 }
        let key = Topics.workflowState(workflowName, workflowId: messages[0].key ?? "")
        let stored = store.fields(of: key)
        if let stored, let state = try? WorkflowState(stored: stored, codec: codec), state.runningWorkflowTask != nil {
            for message in messages {
                if case .commandResult = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload).message {
                    resultsWhileWorkflowTaskRan += 1
                }
            }
        }
        var prefetch = WorkflowStateEngineRole.prefetch(workflowName)
        if partialStateReads { prefetch.wholeUpTo = 0 }
        return PrefetchedState(key: key, fields: store.prefetched(key, prefetch))
    }
}

/// Runs a role's `handle` on a batch (a type-erased `Role`).
private protocol StepRunning: Sendable {
    var topicName: String { get }
    func run(
        _ batch: MessageBatch, store: LoopStore, now: Date, interceptors: Interceptors,
        publish: @escaping @Sendable ([OutgoingMessage]) -> Void
    ) async throws
        -> BatchDisposition
}

extension WorkflowStateEngineRole: StepRunning {}
extension WorkflowExecutorRole: StepRunning {}
extension ServiceExecutorRole: StepRunning {}
extension TagEngineRole: StepRunning {}

extension Role {
    fileprivate var topicName: String { topic.name }

    /// Handles the batch as `RoleRunner` does: decoding, dead letters, interceptors, step.
    fileprivate func run(
        _ batch: MessageBatch, store: LoopStore, now: Date, interceptors: Interceptors,
        publish: @escaping @Sendable ([OutgoingMessage]) -> Void
    ) async throws -> BatchDisposition {
        try await RoleContext.withContext(
            store: store, prefetchedState: batch.prefetchedState, now: { now }, random: { 0.5 },
            interceptors: interceptors, publish: { publish($0) }
        ) { context in
            try await handle(batch, context: context)
        }
    }
}

/// The loop's state store: the in-memory transport's (`InMemoryStateStore`), read by the roles' steps (counting
/// the reads) and written by the commits.
final class LoopStore: StateReading {
    private let store = Mutex(InMemoryStateStore())
    /// The loop's clock as of its last step: expiries count from it.
    private let now = Mutex(Date.distantPast)
    private var clock: Date { now.withLock { $0 } }
    private let readCount = Mutex(0)
    /// Every n-th read fails (as a read from Redis may).
    var failReadEvery: Int? {
        get { failEvery.withLock { $0 } }
        set { failEvery.withLock { $0 = newValue } }
    }
    private let failEvery = Mutex<Int?>(nil)
    private let failures = Mutex(0)
    /// How many reads failed on purpose.
    var failedReads: Int { failures.withLock { $0 } }

    var reads: Int { readCount.withLock { $0 } }
    var allFields: [String: StateFields] { store.withLock { $0.allFields(at: clock) } }

    func fields(of key: StateKey) -> StateFields? { store.withLock { $0.fields(key, nil, at: clock) } }

    func prefetched(_ key: StateKey, _ prefetch: StatePrefetch) -> StateFields? {
        store.withLock { $0.prefetched(key, prefetch, at: clock) }
    }

    func read(_ key: StateKey, fields: [String]?) async throws -> StateFields? {
        let count = readCount.withLock { count in
            count += 1
            return count
        }
        if let every = failReadEvery, count % every == 0 {
            failures.withLock { $0 += 1 }
            throw LoopError("read \(count) of \(key) failed (injected)")
        }
        return store.withLock { $0.fields(key, fields, at: clock) }
    }

    func ids(_ key: StateKey) -> Set<String> { store.withLock { $0.members(of: key) } }

    func members(of key: StateKey) async throws -> Set<String> { ids(key) }

    /// The first write whose version check fails, if any.
    func conflict(in writes: [StateWrite]) -> StateWrite? { store.withLock { $0.conflict(in: writes, at: clock) } }

    /// Applies writes (check `conflict(in:)` first).
    func apply(_ writes: [StateWrite]) {
        let clock = clock
        store.withLock { $0.apply(writes, at: clock) }
    }

    /// Moves the clock on: values whose expiry it passed are gone.
    func advance(to now: Date) { self.now.withLock { $0 = now } }

    /// Moves a stored value's version on without changing it (another writer's commit).
    func bumpVersion(of key: StateKey) {
        apply([StateWrite(key: key, operation: .setFields([:]))])
    }

    /// Removes a value (an operator's repair).
    func delete(_ key: StateKey) { apply([StateWrite(key: key, operation: .delete)]) }

    /// Stores fields as they are (a state written by other code), replacing the value.
    func put(_ key: StateKey, fields: [String: [UInt8]]) {
        apply([StateWrite(key: key, operation: .setFields(fields, replacingAll: true))])
    }
}

struct LoopError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
