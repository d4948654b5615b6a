import Testing

@testable import InfiniticRedis

/// `RESPParser`: every RESP2 reply type, replies cut anywhere (incomplete, never wrong), what a large bulk
/// string is known to need, and protocol errors for malformed or hostile bytes. The Redis tests exercise it on
/// every reply a real server sends.
@Suite struct RESPParserTests {
    func parse(_ text: String) throws -> RESPParser.Outcome {
        try parse(Array(text.utf8))
    }

    func parse(_ bytes: [UInt8]) throws -> RESPParser.Outcome {
        try bytes.withUnsafeBytes { try RESPParser.parse($0) }
    }

    @Test func everyTypeOfReply() throws {
        #expect(try parse("+OK\r\n") == .reply(.status("OK"), consumed: 5))
        #expect(try parse("-ERR wrong\r\n") == .reply(.error("ERR wrong"), consumed: 12))
        #expect(try parse(":-42\r\n") == .reply(.integer(-42), consumed: 6))
        #expect(try parse(":9223372036854775807\r\n") == .reply(.integer(.max), consumed: 22))
        #expect(try parse(":-9223372036854775808\r\n") == .reply(.integer(.min), consumed: 23))
        #expect(try parse("$3\r\na\r\n\r\n") == .reply(.bulk(Array("a\r\n".utf8)), consumed: 9), "CRLF inside")
        #expect(try parse("$0\r\n\r\n") == .reply(.bulk([]), consumed: 6))
        #expect(try parse("$-1\r\n") == .reply(.null, consumed: 5))
        #expect(try parse("*-1\r\n") == .reply(.null, consumed: 5))
        #expect(try parse("*0\r\n") == .reply(.array([]), consumed: 4))
        let nested = "*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n+done\r\n"
        #expect(
            try parse(nested)
                == .reply(
                    .array([.integer(1), .array([.bulk([120]), .null]), .status("done")]), consumed: nested.utf8.count))
    }

    @Test func onlyTheFirstReplyIsTaken() throws {
        #expect(try parse("+A\r\n+B\r\n") == .reply(.status("A"), consumed: 4))
    }

    @Test func aReplyCutAnywhereIsIncomplete() throws {
        let whole = Array("*3\r\n$5\r\nhello\r\n:7\r\n*1\r\n$2\r\nab\r\n".utf8)
        for cut in 0..<whole.count {
            guard case .incomplete(let atLeast) = try parse(Array(whole[..<cut])) else {
                Issue.record("a reply cut at \(cut) of \(whole.count) parsed")
                continue
            }
            #expect(atLeast > cut && atLeast <= whole.count, "cut at \(cut)")
        }
        guard case .reply(_, let consumed) = try parse(whole) else {
            Issue.record("the whole reply did not parse")
            return
        }
        #expect(consumed == whole.count)
    }

    /// A reply arriving in pieces is measured where the previous piece ended: one `Measure` fed ever longer
    /// prefixes says `needs` until the whole reply is there, then its length.
    @Test func aMeasureResumesAcrossPieces() throws {
        var text = "*3\r\n"
        for index in 0..<3 { text += "*1000\r\n" + (0..<500).map { ":\($0 * index)\r\n$2\r\nab\r\n" }.joined() }
        let whole = Array(text.utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var measure = RESPParser.Measure()
            var available = 0
            var result: RESPParser.Measure.Progress = .needs(atLeast: 1)
            while case .needs(let atLeast) = result {
                #expect(atLeast > available && atLeast <= whole.count + 1)
                available = min(whole.count, available + Int.random(in: 1...700, using: &generator))
                result = try whole[..<available].withUnsafeBytes { try measure.advance($0) }
            }
            #expect(result == .complete(length: whole.count))
            #expect(available == whole.count)
        }
        guard case .reply(.array(let outer), _) = try parse(whole) else {
            Issue.record("no array")
            return
        }
        #expect(outer.count == 3 && outer.allSatisfy { $0.array?.count == 1_000 })
    }

    @Test func aLargeBulkStringSaysHowManyBytesItNeeds() throws {
        let header = Array("$100000\r\n".utf8)
        #expect(try parse(header + [UInt8](repeating: 1, count: 10)) == .incomplete(atLeast: header.count + 100_002))
    }

    @Test func malformedOrHostileBytesAreProtocolErrors() {
        for bad in [
            "?what\r\n", ":12a\r\n", ":\r\n", ":99999999999999999999\r\n", "$-2\r\n", "*-5\r\n", "$1\r\nab\r\n",
            "+OK\rX", "%1\r\n", "$99999999999\r\n", ":-9223372036854775809\r\n", ":9223372036854775808\r\n",
            "*2000000000\r\n",
        ] {
            #expect(throws: RedisError.self, "\(bad.debugDescription)") { try parse(bad) }
        }
        // Arrays nested deeper than the bound.
        let deep = String(repeating: "*1\r\n", count: RESPParser.maximumDepth + 1) + ":1\r\n"
        #expect(throws: RedisError.self) { try parse(deep) }
        let deepest = String(repeating: "*1\r\n", count: RESPParser.maximumDepth) + ":1\r\n"
        #expect(throws: Never.self) { try parse(deepest) }
    }

    @Test func aHugeArrayCountReservesNothingItCannotHold() throws {
        // Claims a billion elements and holds one: incomplete, without reserving room for the claim.
        #expect(try parse("*1000000000\r\n:1\r\n") == .incomplete(atLeast: 18))
    }
}
