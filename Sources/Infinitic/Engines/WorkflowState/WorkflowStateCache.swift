import InfiniticTransport
import Synchronization

/// The states a workflow state engine keeps decoded between the steps of their instances: the next step of an
/// instance starts from the parts the last one decoded or wrote instead of decoding them again from the bytes it
/// read.
///
/// An entry is used only when what the step read from the store is what the entry's step wrote: the same version
/// and the same header bytes (the header changes with every step: it names the last message applied). A commit that
/// did not land, a step of another worker, a state deleted or expired: the version or the header differs and the
/// step decodes what it read, as without the cache. The store stays the only truth; the cache saves decoding.
///
/// The cache also switches its engine's prefetch (`ownWriteHint`): while most steps find their state kept, the state
/// read with a message the engine wrote last is its header only (the rest would be read for nothing); while they do
/// not (more instances stepping than `capacity`, or instances whose steps other workers take too), the whole small
/// state is read with the message as without the cache, so that a miss costs no read of its own.
///
/// At most `capacity` instances are kept (the least recently kept are dropped beyond it). A kept state holding more
/// than `partsKept` parts keeps only its header, properties, receives, ended method ids and method records (the
/// others are read again when a step needs them), and one still holding more than `partsHeld` then (an instance
/// running that many methods at once) is not kept. Parts are kept whole: an instance whose properties weigh
/// megabytes keeps them in memory between its steps, as its replays do.
public final class WorkflowStateCache: Sendable {
    /// The most instances kept.
    public let capacity: Int

    /// On while at least three steps in four (over the last `hintWindow` steps that read a state) found their state
    /// kept: the engine's prefetch then reads only the header of a state it wrote last.
    public let ownWriteHint = OwnWriteHint()

    /// The most parts a kept state holds before its commands, early results and chunks are dropped from it.
    static let partsKept = 32

    /// The most parts a kept state may hold once trimmed (`partsKept`): beyond it, the state is not kept.
    static let partsHeld = 128

    /// How many steps reading a state decide the hint for the next ones.
    static let hintWindow = 64

    private struct Entry {
        var state: WorkflowState
        /// The header as stored: a step uses the entry only when it read these bytes.
        var header: [UInt8]
        var tick: UInt64
    }

    private struct Entries {
        var byWorkflowId: [String: Entry] = [:]
        var tick: UInt64 = 0
        /// Steps that read a state in the current window, and those that found it kept.
        var takes = 0
        var hits = 0
    }

    private let entries = Mutex(Entries())

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many instances are kept.
    public var count: Int { entries.withLock { $0.byWorkflowId.count } }

    /// Takes the state kept for `workflowId` out of the cache if it is the one `stored` holds (same version, same
    /// header bytes); an entry that is not is dropped.
    func take(_ workflowId: String, matching stored: StateFields?) -> WorkflowState? {
        let (kept, window) = entries.withLock { entries -> (WorkflowState?, (takes: Int, hits: Int)?) in
            let entry = entries.byWorkflowId.removeValue(forKey: workflowId)
            // A step of a new instance reads nothing: it tells nothing about the hint.
            guard let stored else { return (nil, nil) }
            let kept = entry.flatMap { entry in
                entry.state.version == stored.version && entry.header == stored.fields[StateField.header]
                    ? entry.state : nil
            }
            entries.takes += 1
            if kept != nil { entries.hits += 1 }
            guard entries.takes >= Self.hintWindow else { return (kept, nil) }
            defer { (entries.takes, entries.hits) = (0, 0) }
            return (kept, (entries.takes, entries.hits))
        }
        if let window { ownWriteHint.set(window.hits * 4 >= window.takes * 3) }
        return kept
    }

    /// Drops the state kept for `workflowId`, if any.
    func remove(_ workflowId: String) {
        _ = entries.withLock { $0.byWorkflowId.removeValue(forKey: workflowId) }
    }

    /// Keeps `state`, as stored with `header` (its header's bytes), for the next step of its instance. A closed
    /// instance (only retained outcomes left) is not kept: what is left for it is rare and reads little.
    func keep(_ state: WorkflowState, header: [UInt8]) {
        let workflowId = state.workflowId
        guard !state.header.isClosed else {
            remove(workflowId)
            return
        }
        let trimmed = state.trimmed(toParts: Self.partsKept)
        guard trimmed.heldPartCount <= Self.partsHeld else {
            remove(workflowId)
            return
        }
        entries.withLock { entries in
            entries.tick += 1
            entries.byWorkflowId[workflowId] = Entry(state: trimmed, header: header, tick: entries.tick)
            guard entries.byWorkflowId.count > capacity else { return }
            // Drop the least recently kept down to nine tenths of the capacity: a sort per tenth, not per keep.
            let excess = entries.byWorkflowId.count - (capacity - capacity / 10)
            let ticks = entries.byWorkflowId.map(\.value.tick).sorted()
            let newestDropped = ticks[excess - 1]
            entries.byWorkflowId = entries.byWorkflowId.filter { $0.value.tick > newestDropped }
        }
    }
}
