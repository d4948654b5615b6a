import Synchronization

/// The replays a worker keeps parked between the workflow tasks of their methods (sticky replay): the next
/// workflow task of a method resumes its parked code with what changed, instead of replaying the method from its
/// start, so a workflow task costs what it adds, not the length of the method's history.
///
/// At most `capacity` are kept, knowing at most `commandBudget` commands in all (a parked replay's memory grows
/// with the commands of its method: about 1 KB each, see Benchmarks/README.md); beyond either, the least recently
/// parked are dropped (a later workflow task of theirs replays from the start, as without the cache). A state
/// engine replaying its workflow tasks inline takes the parked replay of a method for the step that dispatches its
/// next workflow task (`StickyLease`); an executor with sticky routing takes it for the task that continues it
/// (`WorkflowTaskRunner.stickyExecutor`).
public final class StickyReplays: Sendable {
    /// The most replays kept parked.
    public let capacity: Int
    /// The most commands the parked replays know in all.
    public let commandBudget: Int

    private struct Key: Hashable {
        let workflowId: String
        let methodId: String
    }

    private struct Entries {
        var byKey: [Key: (replay: ParkedReplay, tick: UInt64, commands: Int)] = [:]
        var tick: UInt64 = 0
        /// The commands the parked replays know in all.
        var commands = 0
    }

    private let entries = Mutex(Entries())

    public init(capacity: Int, commandBudget: Int = 100_000) {
        self.capacity = max(1, capacity)
        self.commandBudget = max(1, commandBudget)
    }

    /// How many commands the parked replays know in all.
    public var commandCount: Int { entries.withLock { $0.commands } }

    /// How many replays are parked.
    public var count: Int { entries.withLock { $0.byKey.count } }

    /// Takes the parked replay of a method out of the cache, if any.
    func take(workflowId: String, methodId: String) -> ParkedReplay? {
        entries.withLock { entries in
            guard let entry = entries.byKey.removeValue(forKey: Key(workflowId: workflowId, methodId: methodId))
            else { return nil }
            entries.commands -= entry.commands
            return entry.replay
        }
    }

    /// Keeps `replay` for its method's next workflow task (dropping one it replaces, and the least recently kept
    /// beyond the capacity or the command budget). A replay knowing more commands than the budget is not kept:
    /// returns whether `replay` was kept.
    @discardableResult
    package func keep(_ replay: ParkedReplay) -> Bool {
        let execution = replay.execution
        let key = Key(workflowId: execution.workflowId, methodId: execution.methodId)
        let commands = execution.knownCommandCount
        guard commands <= commandBudget else {
            replay.abandon()
            return false
        }
        let dropped = entries.withLock { entries -> [ParkedReplay] in
            entries.tick += 1
            var dropped: [ParkedReplay] = []
            if let replaced = entries.byKey.updateValue((replay, entries.tick, commands), forKey: key) {
                entries.commands -= replaced.commands
                dropped.append(replaced.replay)
            }
            entries.commands += commands
            if entries.byKey.count > capacity || entries.commands > commandBudget {
                // Drop the oldest down to nine tenths of both limits at once: a sort per tenth, not per keep.
                let oldest = entries.byKey.sorted { $0.value.tick < $1.value.tick }
                for (oldKey, entry) in oldest where oldKey != key {
                    if entries.byKey.count <= capacity - capacity / 10
                        && entries.commands <= commandBudget - commandBudget / 10
                    {
                        break
                    }
                    entries.byKey[oldKey] = nil
                    entries.commands -= entry.commands
                    dropped.append(entry.replay)
                }
            }
            return dropped
        }
        for replay in dropped { replay.abandon() }
        return true
    }

    /// Drops every parked replay; returns the methods they were of (workflow id, method id).
    @discardableResult
    public func removeAll() -> [(workflowId: String, methodId: String)] {
        let dropped = entries.withLock { entries in
            defer {
                entries.byKey = [:]
                entries.commands = 0
            }
            return entries.byKey.map { ($0.key, $0.value.replay) }
        }
        for (_, replay) in dropped { replay.abandon() }
        return dropped.map { (workflowId: $0.0.workflowId, methodId: $0.0.methodId) }
    }
}

/// The parked replays one state engine step took out of the cache, by method: the step's engine asks where they
/// stand (the same answer however often it runs), its inline replay resumes one; `release()` drops the rest (the
/// step built a full workflow task for them, or failed).
final class StickyLease: Sendable {
    let replays: StickyReplays
    let workflowId: String
    private let taken = Mutex<[String: ParkedReplay?]>([:])

    init(replays: StickyReplays, workflowId: String) {
        self.replays = replays
        self.workflowId = workflowId
    }

    /// Where the parked replay of `methodId` stands, if one is parked.
    func point(methodId: String) -> StickyPoint? {
        let replay = taken.withLock { taken -> ParkedReplay? in
            if let known = taken[methodId] { return known }
            let replay = replays.take(workflowId: workflowId, methodId: methodId)
            taken[methodId] = .some(replay)
            return replay
        }
        return replay?.point
    }

    /// Hands over the parked replay of `methodId` taken for this step (nil if none). If the method's replay parks
    /// again, a later round of the step asking where it stands takes it from the cache again.
    func take(methodId: String) -> ParkedReplay? {
        taken.withLock { $0.removeValue(forKey: methodId) ?? nil }
    }

    /// Drops the parked replays taken and not handed over.
    func release() {
        let left = taken.withLock { taken in
            defer { taken = [:] }
            return taken.values.compactMap { $0 }
        }
        for replay in left { replay.abandon() }
    }
}

/// A workflow task sent with only what changed since the parked replay of its method found no such replay to
/// resume: its step must build the workflow task again with the whole history.
struct StickyReplayMissed: Error {}
