/// One failed attempt of a task: where it ran, the error, and the retry decision taken.
public struct TaskFailure: Sendable, Hashable, Codable {
    /// The worker (emitter name) that ran the attempt.
    public var workerName: String
    public var error: ErrorDescription
    /// Automatic retries done before this attempt (0 for the first attempt).
    public var retryIndex: Int
    /// Manual retries of the task before this attempt.
    public var retrySequence: Int
    /// The delay before the next attempt, or nil when the task was not retried.
    public var secondsBeforeRetry: Double?
    private var previousBox: Indirect<TaskFailure>?

    public init(
        workerName: String, error: ErrorDescription, retryIndex: Int, retrySequence: Int,
        secondsBeforeRetry: Double?, previous: TaskFailure?
    ) {
        self.workerName = workerName
        self.error = error
        self.retryIndex = retryIndex
        self.retrySequence = retrySequence
        self.secondsBeforeRetry = secondsBeforeRetry
        self.previousBox = previous.map(Indirect.init)
    }

    /// The failure of the attempt before this one, if any.
    public var previous: TaskFailure? {
        get { previousBox?.value }
        set { previousBox = newValue.map(Indirect.init) }
    }

    enum CodingKeys: String, CodingKey {
        case workerName, error, retryIndex, retrySequence, secondsBeforeRetry
        case previousBox = "previous"
    }
}
