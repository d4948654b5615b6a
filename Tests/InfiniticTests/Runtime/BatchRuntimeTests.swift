import Foundation
import Infinitic
import Synchronization
import TestSupport
import Testing

/// Batch methods on every transport: a workflow fans out tasks to a batch method; the tasks run in batches of
/// at most `maxMessages`, split by batch key; a missing result fails only its task (retried alone), a throwing
/// batch retries each of its tasks alone.
@Suite(.timeLimit(.minutes(1))) struct BatchRuntimeTests {
    static let maxMessages = 8

    @Test(arguments: TransportKind.allCases) func tasksRunInBatchesSplitByBatchKey(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let batches = BatchLog()
            // The executor's concurrency (2) is raised to maxMessages, or batches could not exceed 2 tasks.
            try await system.withMailerWorker(batches, executorConcurrency: 2) {
                let texts = (0..<20).map { "mail-\($0)" }
                let client = system.client
                let results = try await client.workflow(CampaignStub.self).fanOut(texts, ["a", "b"])
                #expect(results == texts.map { "sent \($0)" })
            }
            let recorded = batches.batches
            #expect(recorded.map(\.inputs.count).reduce(0, +) == 20)
            #expect(recorded.contains { $0.inputs.count > 2 }, "no batch held more than two tasks: \(recorded)")
            #expect(recorded.allSatisfy { $0.inputs.count <= Self.maxMessages }, "a batch is too big: \(recorded)")
            #expect(Set(recorded.map(\.batchKey)) == ["a", "b"])
            for batch in recorded {
                // Texts of even index went with key "a", odd ones with "b".
                let parities = Set(batch.inputs.values.map { Int($0.split(separator: "-")[1])! % 2 })
                #expect(parities == [batch.batchKey == "a" ? 0 : 1], "a batch mixes batch keys: \(batch)")
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func aMissingResultFailsOnlyItsTaskAndIsRetriedAlone(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let batches = BatchLog()
            try await system.withMailerWorker(batches) {
                let texts = ["hello", "drop-once", "bye", "drop-always", "ciao"]
                let results = try await system.client.workflow(CampaignStub.self).fanOut(texts, [])
                #expect(
                    results == [
                        "sent hello", "sent drop-once", "sent bye", "failed: BatchResultMissingError", "sent ciao",
                    ])
            }
            let recorded = batches.batches
            #expect(recorded.contains { $0.inputs.count > 1 && $0.retryIndexes == [0] })
            // Each retry ran alone: drop-once once, drop-always once (the policy retries once).
            let retries = recorded.filter { $0.retryIndexes != [0] }
            #expect(retries.count == 2 && retries.allSatisfy { $0.inputs.count == 1 && $0.retryIndexes == [1] })
            #expect(Set(retries.flatMap(\.inputs.values)) == ["drop-once", "drop-always"])
        }
    }

    @Test(arguments: TransportKind.allCases) func aThrowingBatchRetriesEachTaskAlone(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let batches = BatchLog()
            try await system.withMailerWorker(batches) {
                let texts = ["boom", "a1", "a2", "a3"]
                let results = try await system.client.workflow(CampaignStub.self).fanOut(texts, [])
                #expect(results == texts.map { "sent \($0)" })
            }
            let recorded = batches.batches
            // The batch holding "boom" failed: each of its tasks was retried in a batch of its own.
            let failed = try #require(recorded.first { $0.inputs.values.contains("boom") && $0.retryIndexes == [0] })
            #expect(failed.inputs.count > 1)
            let retries = recorded.filter { $0.retryIndexes == [1] }
            #expect(retries.allSatisfy { $0.inputs.count == 1 })
            #expect(retries.flatMap(\.inputs.values).sorted() == failed.inputs.values.sorted())
        }
    }
}

/// The batches a mailer ran: inputs by task id, batch key, retry indexes of the tasks.
final class BatchLog: Sendable {
    struct Batch: Sendable {
        var inputs: [String: String]
        var batchKey: String?
        var retryIndexes: Set<Int>
    }

    private let state = Mutex<[Batch]>([])

    func record(_ inputs: [String: String]) {
        let context = BatchContext.current
        let batch = Batch(
            inputs: inputs, batchKey: context?.batchKey,
            retryIndexes: Set((context?.tasks.values).map { $0.map(\.retryIndex) } ?? []))
        state.withLock { $0.append(batch) }
    }

    var batches: [Batch] { state.withLock { $0 } }
}

struct MailerBoom: Error {}

/// The contract workflows call per task; the worker serves `send` as a batch method.
@Service protocol Mailer: Sendable {
    func send(_ text: String) async throws -> String
}

struct PerTaskMailer: Mailer {
    func send(_ text: String) async throws -> String { "not batched: \(text)" }
}

/// Sends texts through the mailer at once, each with a batch key taken in turn from `keys` (none if empty);
/// returns each result, or "failed: <error type>".
@Workflow protocol Campaign: Sendable {
    func fanOut(_ texts: [String], _ keys: [String]) async throws -> [String]
}

struct CampaignImpl: Campaign {
    let context: WorkflowContext

    func fanOut(_ texts: [String], _ keys: [String]) async throws -> [String] {
        var sends: [Deferred<String>] = []
        for (index, text) in texts.enumerated() {
            let meta = keys.isEmpty ? [:] : [TaskContext.batchKeyMeta: keys[index % keys.count]]
            let mailer = context.service(MailerStub.self, meta: meta)
            sends.append(try await context.dispatch { try await mailer.send(text) })
        }
        var results: [String] = []
        for send in sends {
            do {
                results.append(try await send.value)
            } catch let error as TaskFailedError {
                results.append("failed: \(error.lastFailure.error.shortTypeName)")
            }
        }
        return results
    }
}

extension RuntimeSystem {
    /// Runs `body` with a worker serving the campaign workflow and the mailer, whose batch method `send` answers
    /// "sent <text>" (recording each batch in `batches`), except: it leaves out "drop-always", and "drop-once" on a
    /// first attempt; it throws when a first attempt of "boom" is in the batch. Failed tasks are retried once.
    func withMailerWorker<T: Sendable>(
        _ batches: BatchLog, executorConcurrency: Int? = nil, _ body: () async throws -> T
    ) async throws -> T {
        let mailer = ServiceDefinition(
            MailerStub.self, implementation: PerTaskMailer(),
            retryPolicy: RetryPolicy(minimumSeconds: 0.05, randomFactor: 0, maximumRetries: 1)
        )
        .batch("send", maxMessages: BatchRuntimeTests.maxMessages, maxWait: .milliseconds(500)) {
            (texts: [String: String]) in
            batches.record(texts)
            let tasks = BatchContext.current?.tasks ?? [:]
            let firstAttempt = { (taskId: String) in (tasks[taskId]?.retryIndex ?? 0) == 0 }
            if texts.contains(where: { $0.value == "boom" && firstAttempt($0.key) }) { throw MailerBoom() }
            return texts.filter { taskId, text in
                text != "drop-always" && !(text == "drop-once" && firstAttempt(taskId))
            }
            .mapValues { "sent \($0)" }
        }
        return try await withWorker(
            name: "mailer-worker", services: [mailer],
            workflows: [WorkflowDefinition(CampaignStub.self) { CampaignImpl(context: $0) }],
            configure: { configuration in
                if let executorConcurrency {
                    configuration.roleSettings[.serviceExecutor("Mailer")] = ConsumerSettings(
                        concurrency: executorConcurrency)
                }
            }, body)
    }
}
