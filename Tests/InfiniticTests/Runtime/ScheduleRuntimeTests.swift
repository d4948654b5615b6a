import Foundation
import Infinitic
import TestSupport
import Testing

/// Schedules end to end, on every transport: an every-second schedule starts one instance per tick (with two
/// workers competing), pause stops it, resume restarts it, delete removes it; `skip` waits for the running
/// instance, `allow` does not.
@Suite(.timeLimit(.minutes(1))) struct ScheduleRuntimeTests {
    @Test(arguments: TransportKind.allCases) func anIntervalStartsOneInstancePerTick(_ kind: TransportKind) async throws
    {
        try await RuntimeSystem.run(kind) { system in
            let (client, controls) = (system.client, system.controls)
            let key = RuntimeSystem.uniqueKey("every-second")
            controls.open(key)  // each instance ends at once
            // A second worker competes for the ticks.
            let second = try system.makeWorker(name: "second-worker")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await second.run() }
                try await everySecond(client: client, controls: controls, key: key)
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }

    private func everySecond(client: InfiniticClient, controls: Controls, key: String) async throws {
        let ops = client.workflow(OpsStub.self, tags: ["scheduled"])
        let created = try await client.schedule(key, try .every(.seconds(1)), overlap: .allow) {
            try await ops.hold(key)
        }
        #expect(created.name == key && created.workflowName == "Ops" && created.methodName == "hold")
        #expect(created.nextDue != nil && created.ticks == 0 && !created.isPaused)
        try await eventually("three ticks started their instance") { controls.started(key) >= 3 }

        // Paused: the ticks handled so far each started one instance, and nothing starts any more.
        let paused = try await client.pauseSchedule(OpsStub.self, name: key)
        #expect(paused.isPaused && paused.nextDue == nil)
        try await eventually("every handled tick started") { controls.started(key) == paused.ticks }
        try await Task.sleep(for: .milliseconds(2200))
        #expect(controls.started(key) == paused.ticks, "one instance per tick, none while paused")
        let listed = try await client.schedules(OpsStub.self)
        #expect(listed.map(\.name) == [key] && listed.first?.isPaused == true)
        #expect(listed.first?.tags == ["scheduled"] && listed.first?.ticks == paused.ticks)

        let resumed = try await client.resumeSchedule(OpsStub.self, name: key)
        #expect(!resumed.isPaused && resumed.nextDue != nil)
        try await eventually("ticks again") { controls.started(key) >= paused.ticks + 2 }

        // Replaced by a timing half a second apart: the ticks of the old timing are stale, one stream goes on.
        let shifted = try await client.schedule(
            key, try .every(.seconds(1), from: Date(timeIntervalSince1970: 0.5)), overlap: .allow
        ) {
            try await ops.hold(key)
        }
        #expect(
            shifted.overlap == .allow
                && shifted.nextDue.map { $0.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) } == 0.5)
        let before = shifted.ticks
        try await Task.sleep(for: .milliseconds(3000))
        let replaced = try #require(try await client.schedules(OpsStub.self).first)
        #expect((2...4).contains(replaced.ticks - before), "one tick per second: \(replaced.ticks - before) in 3 s")
        try await eventually("every handled tick started") { controls.started(key) >= replaced.ticks }

        #expect(try await client.deleteSchedule(OpsStub.self, name: key))
        #expect(try await client.schedules(OpsStub.self).isEmpty)
        #expect(try await !client.deleteSchedule(OpsStub.self, name: key), "already gone")
        try await Task.sleep(for: .milliseconds(300))  // a tick started just before the delete
        let afterDelete = controls.started(key)
        try await Task.sleep(for: .milliseconds(2200))
        #expect(controls.started(key) == afterDelete, "a deleted schedule starts nothing")
    }

    @Test(arguments: TransportKind.allCases) func skipWaitsForTheRunningInstanceAllowDoesNot(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let (client, controls) = (system.client, system.controls)
            let skipKey = RuntimeSystem.uniqueKey("skip")
            let allowKey = RuntimeSystem.uniqueKey("allow")
            let ops = client.workflow(OpsStub.self)
            try await client.schedule(skipKey, try .every(.seconds(1)), overlap: .skip) { try await ops.hold(skipKey) }
            try await client.schedule(allowKey, try .every(.seconds(1)), overlap: .allow) {
                try await ops.hold(allowKey)
            }
            // Both instances hold on their gates: skip starts no second one, allow starts one per tick.
            try await eventually("allow overlaps") { controls.started(allowKey) >= 3 }
            let skipping = try #require(try await client.schedules(OpsStub.self).first { $0.name == skipKey })
            #expect(skipping.ticks >= 2, "ticks were handled meanwhile")
            #expect(controls.started(skipKey) == 1, "skip started one instance while it runs")
            let running = try await client.workflowIds(OpsStub.self, tag: Schedules.customIdTag(skipKey))
            #expect(running.count == 1)
            // Once it ends, the next tick starts another.
            controls.open(skipKey)
            try await eventually("skip starts again once the instance ended") { controls.started(skipKey) >= 2 }
            try await client.deleteSchedule(OpsStub.self, name: skipKey)
            try await client.deleteSchedule(OpsStub.self, name: allowKey)
        }
    }

    @Test func refusalsAndUnknownSchedules() async throws {
        try await RuntimeSystem.run(.memory) { system in
            let client = system.client
            let custom = client.workflow(OpsStub.self, tags: ["customId:mine"])
            await #expect(throws: InfiniticError.self) {
                try await client.schedule("bad", try .every(.seconds(1)), overlap: .skip) { try await custom.hold("x") }
            }
            do {
                try await client.pauseSchedule(OpsStub.self, name: "nope")
                Issue.record("pausing an unknown schedule succeeded")
            } catch let error as InfiniticError {
                #expect(error.code == .unknownSchedule)
            }
            let byId = client.workflow(OpsStub.self, id: "some-id")
            await #expect(throws: InfiniticError.self) {
                try await client.schedule("by-id", try .every(.seconds(1))) { try await byId.hold("x") }
            }
            #expect(try await client.schedules(OpsStub.self).isEmpty)
        }
    }
}
