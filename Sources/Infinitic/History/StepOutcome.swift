/// A step evaluated as of one workflow task: still waiting, completed or failed. `sequence` orders outcomes
/// by arrival (for `or`, the first completed wins; for `and`, the first failure wins).
public enum StepOutcome: Sendable, Hashable {
    case waiting
    case completed(StepResult, sequence: Int)
    case failed(DeferredFailure, sequence: Int)

    public var isTerminated: Bool {
        if case .waiting = self { return false }
        return true
    }

    /// Evaluates `step` as a workflow task of index `taskIndex` sees it. `command` finds a command by id.
    public static func evaluate(
        _ step: StepSpec, asOf taskIndex: Int, command: (String) -> CommandRecord?
    ) -> StepOutcome {
        switch step {
        case .command(let id):
            guard let record = command(id) else { return .waiting }
            let sequence = record.resolutionSequence ?? 0
            switch record.status(asOf: taskIndex) {
            case .ongoing: return .waiting
            case .completed(let payload): return .completed(.value(payload), sequence: sequence)
            case .failed(let failure): return .failed(failure, sequence: sequence)
            }

        case .all(let steps):
            let outcomes = steps.map { evaluate($0, asOf: taskIndex, command: command) }
            var firstFailure: (DeferredFailure, Int)?
            var results: [StepResult] = []
            var lastSequence = 0
            var waiting = false
            for outcome in outcomes {
                switch outcome {
                case .waiting:
                    waiting = true
                case .failed(let failure, let sequence):
                    if firstFailure.map({ sequence < $0.1 }) ?? true { firstFailure = (failure, sequence) }
                case .completed(let result, let sequence):
                    results.append(result)
                    lastSequence = max(lastSequence, sequence)
                }
            }
            if let (failure, sequence) = firstFailure { return .failed(failure, sequence: sequence) }
            if waiting { return .waiting }
            return .completed(.all(results), sequence: lastSequence)

        case .any(let steps):
            let outcomes = steps.map { evaluate($0, asOf: taskIndex, command: command) }
            var firstCompleted: (index: Int, result: StepResult, sequence: Int)?
            var lastFailure: (DeferredFailure, Int)?
            var waiting = false
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .waiting:
                    waiting = true
                case .completed(let result, let sequence):
                    if firstCompleted.map({ sequence < $0.sequence }) ?? true {
                        firstCompleted = (index, result, sequence)
                    }
                case .failed(let failure, let sequence):
                    if lastFailure.map({ sequence > $0.1 }) ?? true { lastFailure = (failure, sequence) }
                }
            }
            if let firstCompleted {
                return .completed(
                    .first(index: firstCompleted.index, result: firstCompleted.result),
                    sequence: firstCompleted.sequence
                )
            }
            if waiting { return .waiting }
            if let (failure, sequence) = lastFailure { return .failed(failure, sequence: sequence) }
            return .waiting
        }
    }
}
