import Foundation
import Infinitic
import Testing

@Suite struct ErrorsTests {
    let codec = JSONPayloadCodec()

    @Test func anErrorKeepsItsTypeMessageAndCustomProperties() throws {
        let description = ErrorDescription(PaymentDeclined(reason: "over limit", amount: 900), codec: codec)
        let decoded = try codec.decode(ErrorDescription.self, from: try codec.encode(description))
        #expect(decoded == description)
        #expect(decoded.typeName.hasSuffix(".PaymentDeclined") && decoded.shortTypeName == "PaymentDeclined")
        #expect(decoded.isOfType(PaymentDeclined.self))
        #expect(
            try decoded.decodeProperties(as: PaymentDeclined.self) == PaymentDeclined(reason: "over limit", amount: 900)
        )
    }

    @Test func causesAndPreviousFailuresNest() throws {
        var description = ErrorDescription(typeName: "Outer", message: "outer")
        description.cause = ErrorDescription(typeName: "Inner", message: "inner")
        let first = TaskFailure(
            workerName: "w1", error: ErrorDescription(typeName: "A", message: "a"), retryIndex: 0, retrySequence: 0,
            secondsBeforeRetry: 1, previous: nil)
        let last = TaskFailure(
            workerName: "w2", error: description, retryIndex: 1, retrySequence: 0, secondsBeforeRetry: nil,
            previous: first)
        let taskFailed = TaskFailedError(serviceName: "S", methodName: "m", taskId: "t", lastFailure: last)
        let child = WorkflowFailedError(
            workflowName: "Child", workflowId: "c", methodName: "run", methodId: "c", cause: .taskFailed(taskFailed))
        let parent = WorkflowFailedError(
            workflowName: "Parent", workflowId: "p", methodName: "run", methodId: "p", cause: .workflowFailed(child))

        let decoded = try codec.decode(WorkflowFailedError.self, from: try codec.encode(parent))
        #expect(decoded == parent)
        guard case .workflowFailed(let decodedChild) = decoded.cause, case .taskFailed(let task) = decodedChild.cause
        else {
            Issue.record("the chain parent → child → task is lost: \(decoded)")
            return
        }
        #expect(task.lastFailure.error.cause?.typeName == "Inner")
        #expect(task.lastFailure.previous?.workerName == "w1")
    }

    @Test func deferredFailuresClassifyErrorsAndGiveStatuses() throws {
        let canceled = WorkflowCanceledError(workflowName: "W", workflowId: "1")
        #expect(DeferredFailure(canceled, codec: codec) == .workflowCanceled(canceled))
        #expect(DeferredFailure(canceled, codec: codec).deferredStatus == .canceled)
        let unknown = WorkflowUnknownError(workflowName: "W", workflowId: "1")
        #expect(DeferredFailure(unknown, codec: codec).deferredStatus == .unknown)
        #expect(
            DeferredFailure(TaskUnknownError(serviceName: "S", taskId: "t"), codec: codec).deferredStatus == .unknown)
        guard case .error(let other) = DeferredFailure(PaymentDeclined(reason: "r", amount: 1), codec: codec) else {
            Issue.record("a user error is described")
            return
        }
        #expect(other.shortTypeName == "PaymentDeclined")
        #expect(DeferredFailure.error(other).error is ErrorDescription)
    }

    @Test func workflowChangedNamesBothCommands() {
        let error = WorkflowChangedError(
            workflowName: "Trips", methodName: "run", position: 3, recorded: "task A.a", current: "task B.b")
        #expect("\(error)".contains("task A.a") && "\(error)".contains("task B.b"))
    }
}

/// A Swift error thrown by a task keeps what caused it.
@Suite struct ErrorCauseTests {
    let codec = JSONPayloadCodec()

    struct Wrapper: Error {
        var underlying: any Error
    }

    struct Chained: Error, Codable {
        var step: String
        var cause: ErrorDescription?
    }

    final class Loop: Error, @unchecked Sendable {
        var cause: (any Error)?
    }

    @Test func conventionalPropertiesNest() throws {
        let root = PaymentDeclined(reason: "limit", amount: 9)
        let description = ErrorDescription(Wrapper(underlying: Wrapper(underlying: root)), codec: codec)
        #expect(description.shortTypeName == "Wrapper")
        #expect(description.cause?.shortTypeName == "Wrapper")
        let deepest = try #require(description.cause?.cause)
        #expect(try deepest.decodeProperties(as: PaymentDeclined.self, codec: codec) == root)
        let decoded = try codec.decode(ErrorDescription.self, from: try codec.encode(description))
        #expect(decoded.cause?.cause?.message == deepest.message, "the chain survives encoding")

        let optional = ErrorDescription(
            Chained(step: "outer", cause: ErrorDescription(typeName: "Inner", message: "inner")), codec: codec)
        #expect(optional.cause?.typeName == "Inner")
        #expect(ErrorDescription(Chained(step: "alone", cause: nil), codec: codec).cause == nil)
    }

    @Test func nsErrorsInfiniticAndDecodingErrorsKeepTheirUnderlyingError() throws {
        let root = NSError(domain: "Net", code: 7, userInfo: [NSLocalizedDescriptionKey: "offline"])
        let wrapped = NSError(domain: "App", code: 1, userInfo: [NSUnderlyingErrorKey: root])
        #expect(ErrorDescription(wrapped, codec: codec).cause?.message.contains("offline") == true)
        let several = NSError(domain: "App", code: 2, userInfo: ["NSMultipleUnderlyingErrorsKey": [root]])
        #expect(ErrorDescription(several, codec: codec).cause?.message.contains("offline") == true)

        let infinitic = InfiniticError(.timedOut, "waiting", underlying: PaymentDeclined(reason: "r", amount: 1))
        #expect(ErrorDescription(infinitic, codec: codec).cause?.shortTypeName == "PaymentDeclined")

        let decoding = DecodingError.dataCorrupted(
            .init(codingPath: [], debugDescription: "bad", underlyingError: PaymentDeclined(reason: "r", amount: 2)))
        #expect(ErrorDescription(decoding, codec: codec).cause?.shortTypeName == "PaymentDeclined")
    }

    @Test func aCycleOfCausesEnds() {
        let loop = Loop()
        loop.cause = loop
        var depth = 0
        var next: ErrorDescription? = ErrorDescription(loop, codec: codec)
        while let current = next {
            depth += 1
            next = current.cause
        }
        #expect(depth == 17, "the error and 16 causes")
    }
}
