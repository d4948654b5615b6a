/// Why something a workflow awaited (a task, a workflow method) did not complete, and why a method failed.
/// Codable, so causes nest across messages: a workflow failed because a child failed because a task failed.
public indirect enum DeferredFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    case taskFailed(TaskFailedError)
    case taskUnknown(TaskUnknownError)
    case workflowFailed(WorkflowFailedError)
    case workflowCanceled(WorkflowCanceledError)
    case workflowUnknown(WorkflowUnknownError)
    case workflowTaskFailed(WorkflowTaskFailedError)
    case taskTimedOut(TaskTimedOutError)
    case workflowTimedOut(WorkflowTimedOutError)
    /// An error thrown by workflow code itself (not one of the above).
    case error(ErrorDescription)

    /// Classifies an error thrown by workflow code: one of the typed errors keeps its case; anything else is
    /// described.
    public init(_ error: any Error, codec: any PayloadCodec) {
        switch error {
        case let error as TaskFailedError: self = .taskFailed(error)
        case let error as TaskUnknownError: self = .taskUnknown(error)
        case let error as WorkflowFailedError: self = .workflowFailed(error)
        case let error as WorkflowCanceledError: self = .workflowCanceled(error)
        case let error as WorkflowUnknownError: self = .workflowUnknown(error)
        case let error as WorkflowTaskFailedError: self = .workflowTaskFailed(error)
        case let error as TaskTimedOutError: self = .taskTimedOut(error)
        case let error as WorkflowTimedOutError: self = .workflowTimedOut(error)
        default: self = .error(ErrorDescription(error, codec: codec))
        }
    }

    /// The typed error that awaiting throws.
    public var error: any Error {
        switch self {
        case .taskFailed(let error): error
        case .taskUnknown(let error): error
        case .workflowFailed(let error): error
        case .workflowCanceled(let error): error
        case .workflowUnknown(let error): error
        case .workflowTaskFailed(let error): error
        case .taskTimedOut(let error): error
        case .workflowTimedOut(let error): error
        case .error(let error): error
        }
    }

    /// The status a deferred that ended with this failure reports.
    public var deferredStatus: DeferredStatus {
        switch self {
        case .workflowCanceled: .canceled
        case .taskUnknown, .workflowUnknown: .unknown
        case .taskTimedOut, .workflowTimedOut: .timedOut
        case .taskFailed, .workflowFailed, .workflowTaskFailed, .error: .failed
        }
    }

    public var description: String { String(describing: error) }
}
