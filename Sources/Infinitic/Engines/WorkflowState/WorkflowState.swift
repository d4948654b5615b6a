import Foundation
import InfiniticTransport

/// The state of one workflow instance as the state engine sees it during a step: the header, and the parts read
/// so far (the properties, method records, commands, early results). A step touches the parts it needs: a
/// part that was not read makes it throw `StatePartsNeeded`; the caller reads those parts (`merge`) and runs
/// the step again. Only the parts that changed are written back (`write(to:)`), so a task result of a
/// 1,000-wide fan-out reads and writes the header and its own command, not the history.
///
/// Stored as one versioned value of the transport's state store, one field per part (`StateField`).
public struct WorkflowState: Sendable {
    /// The header (held out of line: it is most of a state's size, and a state goes through async frames).
    public internal(set) var header: WorkflowStateHeader {
        get { headerBox.value }
        set { CopyOnWriteBox.replace(&headerBox, with: newValue) }
        _modify {
            let box = CopyOnWriteBox.unique(&headerBox)
            yield &box.value
        }
    }
    private var headerBox: CopyOnWriteBox<WorkflowStateHeader>
    private(set) var codec: any PayloadCodec
    /// Parts read and not decoded yet, by field.
    private var raw: [String: [UInt8]] = [:]
    /// Parts decoded or set, by field (`StateField`): the properties, the ended method ids, method records,
    /// command entries and early results.
    private var parts: [String: any Codable & Sendable] = [:]
    /// Every part was read: one not found does not exist.
    private var isComplete: Bool
    /// Parts read and found absent.
    private var absent: Set<String> = []
    /// The stored version this view started from (nil for a new instance).
    public private(set) var version: Int?
    /// Parts to write, and to remove.
    private(set) var changed: Set<String> = []
    private(set) var removed: Set<String> = []
    /// The state is new or was recreated: write every part, replacing what is stored.
    private(set) var isReplacing: Bool
    /// The instance closed in this step: its state is to expire with its last retention.
    private(set) var closesNow = false

    /// How many method ids the state remembers after they left it (a late dispatch of one is then ignored).
    static let endedMethodsKept = 64

    /// A new instance; `replacingVersion` is the version of what is stored under its key, if anything (an
    /// instance that ended in the same step).
    public init(header: WorkflowStateHeader, codec: any PayloadCodec, replacingVersion: Int? = nil) {
        self.headerBox = CopyOnWriteBox(header)
        self.codec = codec
        self.isComplete = true
        self.version = replacingVersion
        self.isReplacing = true
    }

    /// The state read from the store (some or all of its parts).
    public init(stored: StateFields, codec: any PayloadCodec) throws {
        guard let headerBytes = stored.fields[StateField.header] else {
            throw WorkflowUsageError("the stored workflow state has no header (field '\(StateField.header)')")
        }
        let header = try codec.decode(WorkflowStateHeader.self, from: headerBytes)
        guard header.schemaVersion <= WorkflowStateHeader.currentSchemaVersion else {
            throw WorkflowUsageError(
                "state schema \(header.schemaVersion) is newer than this code's "
                    + "\(WorkflowStateHeader.currentSchemaVersion)")
        }
        self.headerBox = CopyOnWriteBox(header)
        self.codec = codec
        self.isComplete = stored.isComplete
        self.version = stored.version
        self.isReplacing = false
        merge(fields: stored.fields)
    }

    /// Adds parts read later (`StatePartsNeeded`); `asked` are the fields asked for (those not found are
    /// absent). The parts must come from the same version.
    public mutating func merge(_ stored: StateFields, asked: Set<String>) throws {
        guard stored.version == version else {
            throw WorkflowStateChanged(expected: version, found: stored.version)
        }
        merge(fields: stored.fields)
        for field in asked where stored.fields[field] == nil { absent.insert(field) }
    }

    private mutating func merge(fields: [String: [UInt8]]) {
        for (field, bytes) in fields where field != StateField.header && !changed.contains(field) {
            if isLoaded(field) { continue }
            raw[field] = bytes
        }
    }

    private func isLoaded(_ field: String) -> Bool {
        raw[field] != nil || parts[field] != nil
    }

    /// Those of `fields` that may exist and were not read.
    public func unread(_ fields: Set<String>) -> Set<String> {
        fields.filter { !isLoaded($0) && mustRead($0) }
    }

    /// Whether `field` may exist and was not read: reading it is needed.
    private func mustRead(_ field: String) -> Bool {
        !isComplete && !absent.contains(field) && !changed.contains(field) && !removed.contains(field)
    }

    /// The part stored under `field`: decoded on first use; nil when it does not exist; `StatePartsNeeded` when
    /// it may exist but was not read.
    private mutating func part<Part: Codable & Sendable>(_ field: String, as type: Part.Type) throws -> Part? {
        if let part = parts[field] { return part as? Part }
        if let bytes = raw.removeValue(forKey: field) {
            let decoded = try codec.decode(type, from: bytes)
            parts[field] = decoded
            return decoded
        }
        if mustRead(field) { throw StatePartsNeeded([field]) }
        return nil
    }

    private mutating func setPart(_ field: String, _ value: some Codable & Sendable) {
        parts[field] = value
        markChanged(field)
    }

    // MARK: parts

    /// The workflow's properties.
    mutating func properties() throws -> [String: Payload] {
        try part(StateField.properties, as: [String: Payload].self) ?? [:]
    }

    /// Sets the properties, unless they are known to be these already (then nothing is written).
    mutating func setProperties(_ properties: [String: Payload]) {
        let field = StateField.properties
        if isLoaded(field) || !mustRead(field), (try? self.properties()) == properties { return }
        setPart(field, properties)
    }

    /// The ids of the methods that left the state lately, oldest first.
    mutating func endedMethods() throws -> [String] {
        try part(StateField.endedMethods, as: [String].self) ?? []
    }

    /// Remembers that a method left the state.
    mutating func recordEnded(_ methodId: String) throws {
        var ended = try endedMethods()
        ended.append(methodId)
        if ended.count > Self.endedMethodsKept { ended.removeFirst(ended.count - Self.endedMethodsKept) }
        setPart(StateField.endedMethods, ended)
    }

    /// The open receives and the recent signal ids.
    mutating func receives() throws -> ReceivesPart {
        try part(StateField.receives, as: ReceivesPart.self) ?? ReceivesPart()
    }

    mutating func setReceives(_ receives: ReceivesPart) {
        setPart(StateField.receives, receives)
    }

    /// The record of a method that has not left the state.
    mutating func methodRecord(_ methodId: String) throws -> MethodRecord? {
        guard header.methodIndex(methodId) != nil else { return nil }
        return try part(StateField.method(methodId), as: MethodRecord.self)
    }

    /// Stores a method's record; past steps and command ids beyond `recordTail` move to a new sealed chunk first
    /// (all but the last few: the latest past step and command ids stay in the record).
    mutating func setMethodRecord(_ record: MethodRecord) {
        var record = record
        let methodId = record.history.methodId
        let steps = record.history.pastSteps.count
        let ids = record.commandIds.count
        if steps > Self.recordTail.pastSteps || ids > Self.recordTail.commandIds {
            let keptSteps = min(steps, Self.recordTail.keptSteps)
            let keptIds = min(ids, Self.recordTail.keptIds)
            let chunk = MethodChunk(
                pastSteps: Array(record.history.pastSteps.dropLast(keptSteps)),
                commandIds: Array(record.commandIds.dropLast(keptIds)))
            let index = record.sealedChunks ?? 0
            setPart(StateField.chunk(index, of: methodId), chunk)
            record.sealedChunks = index + 1
            record.history.pastSteps.removeFirst(steps - keptSteps)
            record.commandIds.removeFirst(ids - keptIds)
        }
        setPart(StateField.method(methodId), record)
    }

    /// Past steps and command ids beyond these counts in a method record move to a sealed chunk, all but the
    /// latest `keptSteps` and `keptIds`.
    static let recordTail = (pastSteps: 16, commandIds: 64, keptSteps: 1, keptIds: 8)

    /// A method's past steps and command ids, those of its sealed chunks first (read all at once).
    mutating func wholeHistory(of record: MethodRecord) throws -> (pastSteps: [PastStep], commandIds: [String]) {
        let sealed = try sealedHistory(of: record)
        return (sealed.pastSteps + record.history.pastSteps, sealed.commandIds + record.commandIds)
    }

    /// A method's history as a workflow task replaying it from its start carries it: every past step and every
    /// command, those of its sealed chunks first.
    mutating func wholeMethodHistory(of record: MethodRecord) throws -> MethodHistory {
        let whole = try wholeHistory(of: record)
        var history = record.history
        history.pastSteps = whole.pastSteps
        history.commands = try commands(whole.commandIds).compactMap { $0?.record }
        return history
    }

    /// The past steps and command ids of a method's sealed chunks, oldest first (read all at once).
    mutating func sealedHistory(of record: MethodRecord) throws -> (pastSteps: [PastStep], commandIds: [String]) {
        let count = record.sealedChunks ?? 0
        guard count > 0 else { return ([], []) }
        let fields = (0..<count).map { StateField.chunk($0, of: record.history.methodId) }
        let needed = unread(Set(fields))
        if !needed.isEmpty { throw StatePartsNeeded(needed) }
        var pastSteps: [PastStep] = []
        var commandIds: [String] = []
        for field in fields {
            guard let chunk = try part(field, as: MethodChunk.self) else {
                throw WorkflowUsageError("the chunk \(field) of a method's history is missing from the state")
            }
            pastSteps += chunk.pastSteps
            commandIds += chunk.commandIds
        }
        return (pastSteps, commandIds)
    }

    /// The records of several methods, reading those missing all at once.
    mutating func methodRecords(_ methodIds: [String]) throws -> [MethodRecord] {
        let needed = unread(Set(methodIds.map(StateField.method)))
        if !needed.isEmpty { throw StatePartsNeeded(needed) }
        return try methodIds.compactMap { try methodRecord($0) }
    }

    /// A command, if recorded.
    mutating func command(_ commandId: String) throws -> CommandEntry? {
        try part(StateField.command(commandId), as: CommandEntry.self)
    }

    /// Several commands (nil for those not recorded), reading those missing all at once.
    mutating func commands(_ commandIds: [String]) throws -> [CommandEntry?] {
        let needed = unread(Set(commandIds.map(StateField.command)))
        if !needed.isEmpty { throw StatePartsNeeded(needed) }
        return try commandIds.map { try command($0) }
    }

    mutating func setCommand(_ entry: CommandEntry) {
        setPart(StateField.command(entry.record.id), entry)
    }

    /// A result kept until its command is recorded.
    mutating func earlyResult(_ commandId: String) throws -> EarlyResult? {
        guard header.earlyResultIds.contains(commandId) else { return nil }
        return try part(StateField.earlyResult(commandId), as: EarlyResult.self)
    }

    mutating func setEarlyResult(_ early: EarlyResult) {
        header.earlyResultIds.insert(early.result.commandId)
        setPart(StateField.earlyResult(early.result.commandId), early)
    }

    mutating func removeEarlyResult(_ commandId: String) {
        header.earlyResultIds.remove(commandId)
        markRemoved(StateField.earlyResult(commandId))
    }

    /// The outcome of a method that left the state, if it is still retained (read on demand: one field per
    /// method, so that retained outcomes cost nothing to the steps that do not ask for them).
    mutating func retainedOutcome(_ methodId: String) throws -> RetainedOutcome? {
        guard header.retainedUntil != nil else { return nil }
        return try part(StateField.retained(methodId), as: RetainedOutcome.self)
    }

    /// Keeps the outcome of a method that leaves the state until `expiresAt`.
    mutating func retain(_ outcome: MethodOutcome, of methodId: String, until expiresAt: Date) {
        header.retainedUntil = max(header.retainedUntil ?? expiresAt, expiresAt)
        setPart(StateField.retained(methodId), RetainedOutcome(outcome: outcome, expiresAt: expiresAt))
    }

    /// Forgets the retained outcomes of `methodIds` (whether they exist or not: nothing is read); with
    /// `lastRetention`, none is retained any more.
    mutating func forgetRetained(_ methodIds: [String], lastRetention: Bool) {
        for methodId in methodIds { markRemoved(StateField.retained(methodId)) }
        if lastRetention { header.retainedUntil = nil }
    }

    /// Ends the instance but keeps its retained outcomes: removes the properties, the ended method ids, the
    /// receives and the early results (the methods must have left already).
    mutating func close() {
        for commandId in header.earlyResultIds.sorted() { removeEarlyResult(commandId) }
        for field in [StateField.properties, StateField.endedMethods, StateField.receives] { markRemoved(field) }
        header.runningWorkflowTask = nil
        header.closed = true
        closesNow = true
    }

    /// Removes a method, its sealed chunks and its commands from the state.
    mutating func removeMethod(_ record: MethodRecord) throws {
        let methodId = record.history.methodId
        let commandIds = try wholeHistory(of: record).commandIds
        header.methods.removeAll { $0.methodId == methodId }
        markRemoved(StateField.method(methodId))
        for index in 0..<(record.sealedChunks ?? 0) { markRemoved(StateField.chunk(index, of: methodId)) }
        for commandId in commandIds { markRemoved(StateField.command(commandId)) }
    }

    private mutating func markChanged(_ field: String) {
        changed.insert(field)
        removed.remove(field)
        absent.remove(field)
    }

    private mutating func markRemoved(_ field: String) {
        raw[field] = nil
        parts[field] = nil
        changed.remove(field)
        if !isReplacing { removed.insert(field) }
        absent.insert(field)
    }

    // MARK: writing

    /// The writes that store what this step changed (the header always), checked against the version read. The
    /// state of an instance that closes in this step also expires when its last retention is over (measured from
    /// `now`): nothing has to run to delete it, and later writes of its fields keep that expiry.
    func writes(to key: StateKey, now: Date) throws -> [StateWrite] {
        var set: [String: [UInt8]] = [StateField.header: try codec.encode(header)]
        for field in changed {
            if let part = parts[field] { set[field] = try codec.encode(part) }
        }
        let write = StateWrite(
            key: key,
            operation: .setFields(set, removing: isReplacing ? [] : removed.sorted(), replacingAll: isReplacing),
            expectedVersion: version ?? 0)
        guard closesNow, let retainedUntil = header.retainedUntil else { return [write] }
        return [write, StateWrite(key: key, operation: .expire(after: .seconds(retainedUntil.timeIntervalSince(now))))]
    }

    /// The state as stored once the writes of this step land (`writes(to:now:)`, one version later), with the parts
    /// it decoded and wrote: what the next step of the instance can start from (`WorkflowStateCache`).
    func committed() -> WorkflowState {
        var stored = settled()
        stored.version = (version ?? 0) + 1
        return stored
    }

    /// This state with nothing left to write (what it changed counts as stored), to be kept between steps: what it
    /// knows absent only saves reads of an incomplete state and grows with every part removed (a long-lived instance
    /// would carry every id it ever removed), so it is bounded.
    func settled() -> WorkflowState {
        var stored = self
        stored.changed = []
        stored.removed = []
        stored.isReplacing = false
        stored.closesNow = false
        if stored.isComplete || stored.absent.count > Self.absentKept { stored.absent = [] }
        return stored
    }

    /// The most part names a state kept between steps remembers as absent (`settled()`).
    static let absentKept = 256

    /// How many part names this state knows absent.
    var knownAbsentCount: Int { absent.count }

    /// How many parts this state holds, decoded or not.
    var heldPartCount: Int { parts.count + raw.count }

    /// This state holding at most `limit` parts: beyond it, the parts other than the properties, the ended method
    /// ids, the receives and the method records are dropped (read again when a step needs them). Only for a state
    /// with nothing to write (`settled()`).
    func trimmed(toParts limit: Int) -> WorkflowState {
        guard heldPartCount > limit else { return self }
        var trimmed = self
        let kept: (String) -> Bool = {
            $0 == StateField.properties || $0 == StateField.endedMethods || $0 == StateField.receives
                || $0.hasPrefix(StateField.methodPrefix)
        }
        trimmed.parts = parts.filter { kept($0.key) }
        trimmed.raw = raw.filter { kept($0.key) }
        // A dropped part is not known absent: a step that needs it reads it. The kept kinds that a complete state
        // does not hold stay known absent.
        if isComplete {
            let keptFields =
                [StateField.properties, StateField.endedMethods, StateField.receives]
                + header.methods.map { StateField.method($0.methodId) }
            for field in keptFields where !isLoaded(field) { trimmed.absent.insert(field) }
        }
        trimmed.isComplete = false
        return trimmed
    }

    // MARK: inspection

    /// The workflow task in flight, if any.
    public var runningWorkflowTask: RunningWorkflowTask? { header.runningWorkflowTask }
    public var workflowTaskIndex: Int { header.workflowTaskIndex }
    public var workflowId: String { header.workflowId }

    /// The properties, if read.
    public var currentProperties: [String: Payload] {
        var copy = self
        return (try? copy.properties()) ?? [:]
    }

    /// A method with its whole history, if its parts were read.
    public func method(_ methodId: String) -> MethodState? {
        var copy = self
        guard let record = try? copy.methodRecord(methodId), let whole = try? copy.wholeHistory(of: record) else {
            return nil
        }
        var history = record.history
        history.pastSteps = whole.pastSteps
        for commandId in whole.commandIds {
            guard let entry = try? copy.command(commandId) else { return nil }
            history.commands.append(entry.record)
        }
        return MethodState(
            history: history, requester: record.requester, waitingClients: record.waitingClients,
            outcome: record.outcome)
    }

    /// The methods that have not left the state, with their histories, if their parts were read.
    public var methods: [MethodState] {
        header.methods.compactMap { method($0.methodId) }
    }

    /// How many command results wait for their command to be recorded.
    public var earlyResultCount: Int { header.earlyResultIds.count }
}

/// The stored state changed between two reads of one step: run the step again from a fresh read.
public struct WorkflowStateChanged: Error, Sendable, CustomStringConvertible {
    public var expected: Int?
    public var found: Int

    public var description: String {
        "the workflow state changed while it was read (version \(expected.map(String.init) ?? "none") then \(found))"
    }
}
