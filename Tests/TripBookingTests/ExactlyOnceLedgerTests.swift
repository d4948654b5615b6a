import Testing
import TripBooking

/// The crash test's exactly-once check can fail: fed the record of a correct run it finds nothing, and each way
/// a run can break exactly-once is reported.
@Suite("Exactly-once ledger")
struct ExactlyOnceLedgerTests {
    /// A correct run of sagas 0...4 (saga 4 is compensated), with one effect repeated under its task id.
    static func correctRun() -> ExactlyOnceLedger {
        var ledger = ExactlyOnceLedger()
        for index in 0..<5 {
            let workflowId = "wf-\(index)"
            ledger.workflowIds[index] = workflowId
            let hotelTask = "hotel\(index)-task"
            for operation in ExactlyOnceLedger.expectedOperations(index).sorted() {
                let task = operation == "HotelService.book" ? hotelTask : "\(operation)-\(index)"
                let parts = operation.split(separator: ".")
                ledger.effectLines.append("\(parts[0])|\(parts[1])|\(task)|\(workflowId)")
            }
            ledger.outcomes[index] = [
                TripResult(
                    outcome: SampleTrips.expectedOutcome(index), hotel: "H-LIS-\(hotelTask.prefix(6))", flight: "F")
            ]
        }
        ledger.effectLines.append(ledger.effectLines[0])  // a redelivered task repeating its effect
        return ledger
    }

    @Test func aCorrectRunPasses() {
        let ledger = Self.correctRun()
        #expect(ledger.violations() == [])
        #expect(ledger.repeatedEffects == 1)
    }

    @Test func aDuplicateOutcomeFails() {
        var reported = Self.correctRun()
        reported.duplicateOutcomes = 1
        #expect(reported.violations().count == 1)
        var twice = Self.correctRun()
        twice.outcomes[2]!.append(twice.outcomes[2]![0])
        #expect(twice.violations() == ["trip 2 has 2 outcomes"])
        var missing = Self.correctRun()
        missing.outcomes[3] = nil
        #expect(missing.violations() == ["trip 3 has 0 outcomes"])
    }

    @Test func anEffectUnderASecondTaskIdFails() {
        var ledger = Self.correctRun()
        ledger.effectLines.append("PaymentService|charge|another-task|wf-1")
        #expect(ledger.violations().count == 1)
        #expect(ledger.violations().first?.contains("PaymentService.charge under 2 task ids") == true)
    }

    @Test func aMissingUnexpectedOrStrayEffectFails() {
        var missing = Self.correctRun()
        missing.effectLines.removeAll { $0.hasPrefix("FlightService|book|") && $0.hasSuffix("|wf-0") }
        #expect(missing.violations().count == 1)
        var charged = Self.correctRun()
        charged.effectLines.append("PaymentService|charge|t|wf-4")  // saga 4's payment is declined
        #expect(charged.violations().count == 1)
        var stray = Self.correctRun()
        stray.effectLines.append("HotelService|book|t|wf-unknown")
        #expect(stray.violations().count == 1)
    }

    @Test func aWrongOutcomeOrReferenceFails() {
        var wrong = Self.correctRun()
        wrong.outcomes[4]![0].outcome = .booked
        #expect(wrong.violations().count == 1)
        var otherHotel = Self.correctRun()
        otherHotel.outcomes[0]![0].hotel = "H-LIS-zzzzzz"
        #expect(otherHotel.violations().count == 1)
    }
}
