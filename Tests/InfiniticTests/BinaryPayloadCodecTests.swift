import Foundation
import Testing

@testable import Infinitic

/// `BinaryPayloadCodec`: round trips of every Codable construct and of the engine's messages and states, the
/// same bytes from both of its encoders, determinism, schema evolution, and errors (never a crash) on
/// corrupt input.
@Suite struct BinaryPayloadCodecTests {
    let codec = BinaryPayloadCodec()

    /// Encodes, decodes, compares; checks that re-encoding and the tree encoder give the same bytes.
    @discardableResult
    func roundTrip<Value: Codable & Equatable>(
        _ value: Value, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [UInt8] {
        let bytes = try codec.encode(value)
        let decoded = try codec.decode(Value.self, from: bytes)
        #expect(decoded == value, sourceLocation: sourceLocation)
        #expect(try codec.encode(decoded) == bytes, "re-encoded", sourceLocation: sourceLocation)
        #expect(try BinaryTreeEncoder.encode(value) == bytes, "tree encoder", sourceLocation: sourceLocation)
        return bytes
    }

    /// For values that are not Equatable: encoding what was decoded gives the same bytes, and JSON carries the
    /// same value (decoding the JSON encoding and encoding it in binary gives the same bytes again).
    @discardableResult
    func canonicalRoundTrip<Value: Codable>(
        _ value: Value, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Value {
        let bytes = try codec.encode(value)
        let decoded = try codec.decode(Value.self, from: bytes)
        #expect(try codec.encode(decoded) == bytes, "re-encoded", sourceLocation: sourceLocation)
        #expect(try BinaryTreeEncoder.encode(value) == bytes, "tree encoder", sourceLocation: sourceLocation)
        let json = JSONPayloadCodec()
        let throughJSON = try json.decode(Value.self, from: json.encode(value))
        #expect(try codec.encode(throughJSON) == bytes, "same value as through JSON", sourceLocation: sourceLocation)
        return decoded
    }

    // MARK: scalars

    @Test func integersOfEveryWidth() throws {
        for value: Int8 in [.min, -1, 0, 1, 127, .max] { try roundTrip(value) }
        for value: Int16 in [.min, -129, -128, 128, .max] { try roundTrip(value) }
        for value: Int32 in [.min, -1, 1 << 20, .max] { try roundTrip(value) }
        for value: Int64 in [.min, .min + 1, -1, 0, 127, 128, 1 << 40, .max] { try roundTrip(value) }
        for value: Int in [.min, -300, 0, 300, .max] { try roundTrip(value) }
        for value: UInt8 in [0, 127, 128, .max] { try roundTrip(value) }
        for value: UInt16 in [0, 1000, .max] { try roundTrip(value) }
        for value: UInt32 in [0, .max] { try roundTrip(value) }
        for value: UInt64 in [0, 1 << 63, .max] { try roundTrip(value) }
        for value: UInt in [0, .max] { try roundTrip(value) }
        for value: Int128 in [.min, Int128(Int64.min) - 1, -1, 0, Int128(UInt64.max) + 1, .max] { try roundTrip(value) }
        for value: UInt128 in [0, UInt128(UInt64.max), .max] { try roundTrip(value) }
        #expect(try codec.encode(5) == [BinaryFormat.magic, 0x85], "small integers fit in their tag")
        #expect(try codec.encode(-1) == [BinaryFormat.magic, BinaryFormat.negative, 0])
        // An integer decodes as any type it fits.
        #expect(try codec.decode(Int8.self, from: codec.encode(Int64(-128))) == -128)
        #expect(try codec.decode(UInt64.self, from: codec.encode(Int128(UInt64.max))) == .max)
        #expect(try codec.decode(Double.self, from: codec.encode(3)) == 3, "an integer decodes as a Double")
        #expect(throws: DecodingError.self) { try codec.decode(Int8.self, from: codec.encode(128)) }
        #expect(throws: DecodingError.self) { try codec.decode(UInt.self, from: codec.encode(-1)) }
        #expect(throws: DecodingError.self) { try codec.decode(Int64.self, from: codec.encode(UInt64.max)) }
        #expect(throws: DecodingError.self) { try codec.decode(Int64.self, from: codec.encode(Int128.min)) }
    }

    @Test func floatingPoint() throws {
        for value: Double in [0, 1.5, -2.25, .pi, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity] {
            try roundTrip(value)
        }
        for value: Float in [0, 1.5, -.pi, .greatestFiniteMagnitude, -.infinity] { try roundTrip(value) }
        #expect(try codec.decode(Double.self, from: codec.encode(-0.0)).sign == .minus)
        #expect(try codec.decode(Double.self, from: codec.encode(Double.nan)).isNaN)
        #expect(try codec.decode(Float.self, from: codec.encode(Float.nan)).isNaN)
        #expect(try codec.decode(Double.self, from: codec.encode(Float(1.5))) == 1.5, "a Float decodes as a Double")
        #expect(try codec.decode(Float.self, from: codec.encode(0.5)) == 0.5, "a Double that fits decodes as a Float")
        #expect(throws: DecodingError.self) { try codec.decode(Float.self, from: codec.encode(1e300)) }
        #expect(throws: DecodingError.self) { try codec.decode(Int.self, from: codec.encode(1.0)) }
    }

    @Test func boolsAndStrings() throws {
        try roundTrip(true)
        try roundTrip(false)
        for length in [0, 1, 63, 64, 127, 128, 300, 20_000] { try roundTrip(String(repeating: "x", count: length)) }
        try roundTrip("é日本🎉 \u{0} \"quotes\" \\ / \n")
        #expect(try codec.encode("ab") == [BinaryFormat.magic, 0x42, 0x61, 0x62], "short strings: length in the tag")
        #expect(throws: DecodingError.self) { try codec.decode(String.self, from: codec.encode(1)) }
        #expect(throws: DecodingError.self) { try codec.decode(Bool.self, from: codec.encode(1)) }
    }

    @Test func rawBytesAreNotBase64() throws {
        try roundTrip(Data())
        try roundTrip(Data(0...255))
        try roundTrip([UInt8](repeating: 7, count: 1000))
        try roundTrip(Payload([1, 2, 3]))
        try roundTrip(Payload.void)
        #expect(try codec.encode(Payload([1, 2, 3])) == [BinaryFormat.magic, BinaryFormat.bytes, 3, 1, 2, 3])
        #expect(try codec.encode(Data([9])) == [BinaryFormat.magic, BinaryFormat.bytes, 1, 9])
        // A payload inside a message is its bytes, verbatim.
        let argument = try codec.payload("a fairly long argument, to find it in the envelope bytes")
        let envelope = try codec.encode(
            CodecFixtures.envelope(
                WorkflowEngineMessage.dispatchMethod(
                    DispatchMethod(
                        workflowName: "T", workflowId: "w", methodName: "m", methodId: "m", arguments: [argument]))))
        #expect(envelope.firstRange(of: argument.bytes) != nil)
        // Data encoded through its own encode(to:) (an unkeyed container of bytes) decodes too.
        struct Wrapped: Codable, Equatable {
            var data: Data
            init(data: Data) { self.data = data }
            init(from decoder: any Decoder) throws { data = try Data(from: decoder) }
            func encode(to encoder: any Encoder) throws { try data.encode(to: encoder) }
        }
        try roundTrip(Wrapped(data: Data([1, 2, 250])))
    }

    @Test func foundationTypesAsTheirCodableForms() throws {
        try roundTrip(CodecFixtures.instant)
        try roundTrip(Date.distantPast)
        try roundTrip(URL(string: "https://example.com/a?b=c#d")!)
        try roundTrip(URL(string: "page.html", relativeTo: URL(string: "https://example.com/dir/"))!)
        for decimal in ["0", "1.5", "-123456789.0123456789", "1e-20", "79228162514264337593543950335"] {
            try roundTrip(Decimal(string: decimal)!)
        }
        try roundTrip(UUID())
        #expect(try codec.encode(CodecFixtures.instant).count == 10, "a Date is its Double")
    }

    // MARK: containers

    struct Everything: Codable, Equatable {
        var bool = true
        var int = -42
        var int8: Int8 = -8
        var int16: Int16 = 1600
        var int32: Int32 = -32
        var int64: Int64 = .min
        var uint: UInt = .max
        var uint8: UInt8 = 255
        var uint16: UInt16 = 16
        var uint32: UInt32 = 32
        var uint64: UInt64 = .max
        var int128: Int128 = .min
        var uint128: UInt128 = .max
        var float: Float = 1.25
        var double = -0.5
        var string = "string"
        var data = Data([1, 2])
        var bytes: [UInt8] = [3, 4]
        var payload = Payload([5])
        var date = CodecFixtures.instant
        var url = URL(string: "https://example.com")!
        var decimal = Decimal(string: "12.34")!
        var present: Int? = 7
        var absent: String? = nil
        var doubleOptional: Int?? = 5
        var optionals: [Int?] = [1, nil, 3]
        var nested: [[String]] = [["a"], [], ["b", "c"]]
        var dictionary: [String: Int] = ["one": 1, "two": 2]
        var intKeys: [Int: String] = [1: "a", -5: "b"]
        var uuidKeys: [UUID: Int] = [UUID(): 1, UUID(): 2]
        var set: Set<String> = ["x", "y", "z"]
        var intSet: Set<Int> = [3, 1, 2]
        var structSet: Set<BookingResult> = [
            BookingResult(provider: "a", reference: "1"), BookingResult(provider: "b", reference: "2"),
        ]
        var dictionaryOfSets: [String: Set<String>] = ["k": ["1", "2"], "l": []]
        var step = StepSpec.all([.command("a"), .any([.command("b"), .all([])])])
        var result = StepResult.first(index: 1, result: .all([.value(Payload([1])), .value(.void)]))
        var outcome = MethodOutcome.failed(CodecFixtures.workflowFailed)
        var empty = Empty()
    }

    struct Empty: Codable, Equatable {}

    @Test func everyKindOfValueInOneStruct() throws {
        try roundTrip(Everything())
        try roundTrip([Everything(), Everything()])
        try roundTrip(["key": Everything()])
        try roundTrip(Empty())
        try roundTrip([Empty]())
        try roundTrip([String: Int]())
        try roundTrip(Int?.none)
        try roundTrip(Int?.some(1))
        try roundTrip([Int??]([5, nil, 1]))
    }

    @Test func optionalsAbsentAreNotWritten() throws {
        struct Sparse: Codable, Equatable {
            var a: Int?
            var b: String?
        }
        let bytes = try roundTrip(Sparse())
        #expect(bytes == [BinaryFormat.magic, BinaryFormat.keyed, 0], "an empty keyed container")
        try roundTrip(Sparse(a: 1, b: nil))
    }

    class Animal: Codable, Equatable {
        var name: String
        init(name: String) { self.name = name }
        static func == (lhs: Animal, rhs: Animal) -> Bool { lhs.isEqual(to: rhs) }
        func isEqual(to other: Animal) -> Bool { name == other.name && type(of: self) == type(of: other) }
    }

    /// Encodes its superclass through `superEncoder()`.
    final class Dog: Animal {
        var tricks: [String]
        init(name: String, tricks: [String]) {
            self.tricks = tricks
            super.init(name: name)
        }
        enum CodingKeys: CodingKey { case tricks }
        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tricks = try container.decode([String].self, forKey: .tricks)
            try super.init(from: container.superDecoder())
        }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(tricks, forKey: .tricks)
            try super.encode(to: container.superEncoder())
        }
        override func isEqual(to other: Animal) -> Bool {
            super.isEqual(to: other) && tricks == (other as? Dog)?.tricks
        }
    }

    /// Shares its encoder with its superclass (both ask for a keyed container of the same encoder).
    final class Cat: Animal {
        var lives: Int
        init(name: String, lives: Int) {
            self.lives = lives
            super.init(name: name)
        }
        enum CodingKeys: CodingKey { case lives }
        required init(from decoder: any Decoder) throws {
            lives = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .lives)
            try super.init(from: decoder)
        }
        override func encode(to encoder: any Encoder) throws {
            try super.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(lives, forKey: .lives)
        }
        override func isEqual(to other: Animal) -> Bool {
            super.isEqual(to: other) && lives == (other as? Cat)?.lives
        }
    }

    /// Nested keyed and unkeyed containers, a super encoder for a key, and one in an unkeyed container.
    struct Nesting: Codable, Equatable {
        var point: (x: Int, y: Int)
        var matrix: [[Int]]
        var parent: Animal
        var extra: String

        enum CodingKeys: CodingKey { case point, matrix, parent, list }
        enum PointKeys: CodingKey { case x, y }

        init(point: (x: Int, y: Int), matrix: [[Int]], parent: Animal, extra: String) {
            self.point = point
            self.matrix = matrix
            self.parent = parent
            self.extra = extra
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let point = try container.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
            self.point = (try point.decode(Int.self, forKey: .x), try point.decode(Int.self, forKey: .y))
            var rows = try container.nestedUnkeyedContainer(forKey: .matrix)
            var matrix: [[Int]] = []
            while !rows.isAtEnd {
                var row = try rows.nestedUnkeyedContainer()
                var values: [Int] = []
                while !row.isAtEnd { values.append(try row.decode(Int.self)) }
                matrix.append(values)
            }
            self.matrix = matrix
            parent = try Animal(from: container.superDecoder(forKey: .parent))
            var list = try container.nestedUnkeyedContainer(forKey: .list)
            extra = try String(from: list.superDecoder())
            #expect(list.isAtEnd)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            var point = container.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
            try point.encode(self.point.x, forKey: .x)
            try point.encode(self.point.y, forKey: .y)
            var rows = container.nestedUnkeyedContainer(forKey: .matrix)
            for values in matrix {
                var row = rows.nestedUnkeyedContainer()
                for value in values { try row.encode(value) }
            }
            try parent.encode(to: container.superEncoder(forKey: .parent))
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try extra.encode(to: list.superEncoder())
        }

        static func == (lhs: Nesting, rhs: Nesting) -> Bool {
            lhs.point == rhs.point && lhs.matrix == rhs.matrix && lhs.parent == rhs.parent && lhs.extra == rhs.extra
        }
    }

    @Test func classesAndSuperEncoders() throws {
        try roundTrip(Animal(name: "generic"))
        try roundTrip(Dog(name: "rex", tricks: ["sit", "roll"]))
        try roundTrip(Cat(name: "tom", lives: 9))
        let dog = try codec.decode(Dog.self, from: codec.encode(Dog(name: "rex", tricks: ["sit"])))
        #expect(dog.name == "rex" && dog.tricks == ["sit"])
        let cat = try codec.decode(Cat.self, from: codec.encode(Cat(name: "tom", lives: 9)))
        #expect(cat.name == "tom" && cat.lives == 9)
    }

    @Test func nestedContainers() throws {
        try roundTrip(
            Nesting(point: (3, -4), matrix: [[1, 2], [], [3]], parent: Animal(name: "d"), extra: "x"))
        try roundTrip(Nesting(point: (0, 0), matrix: [], parent: Animal(name: ""), extra: ""))
    }

    /// Containers written after a later one (a nested container after its parent went on, a super encoder used
    /// late): the one-pass encoder cannot, the tree encoder does, and the bytes decode.
    @Test func containersUsedOutOfOrderFallBackToTheTreeEncoder() throws {
        struct Interleaved: Codable, Equatable {
            var first: Int
            var inner: [Int]
            var point: [String: Int]
            var base: Animal
            var last: String

            enum CodingKeys: CodingKey { case first, inner, point, base, last }

            init(first: Int, inner: [Int], point: [String: Int], base: Animal, last: String) {
                self.first = first
                self.inner = inner
                self.point = point
                self.base = base
                self.last = last
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                first = try container.decode(Int.self, forKey: .first)
                inner = try container.decode([Int].self, forKey: .inner)
                point = try container.decode([String: Int].self, forKey: .point)
                base = try container.decode(Animal.self, forKey: .base)
                last = try container.decode(String.self, forKey: .last)
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                var nested = container.nestedUnkeyedContainer(forKey: .inner)
                var point = container.nestedContainer(keyedBy: AnyKey.self, forKey: .point)
                let base = container.superEncoder(forKey: .base)
                try container.encode(first, forKey: .first)
                for value in inner { try nested.encode(value) }
                for (key, value) in self.point { try point.encode(value, forKey: AnyKey(key)) }
                try self.base.encode(to: base)
                try container.encode(last, forKey: .last)
            }
        }
        let value = Interleaved(
            first: 1, inner: [1, 2, 3], point: ["x": 1, "y": 2], base: Animal(name: "late"), last: "end")
        try roundTrip(value)
        try roundTrip([value, value])
    }

    @Test func misuseIsAnErrorNotACrash() throws {
        struct TwiceInOneSingleValue: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(1)
                try container.encode(2)
            }
        }
        struct KeyedThenUnkeyed: Encodable {
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: AnyKey.self)
                try keyed.encode(1, forKey: AnyKey("a"))
                var unkeyed = encoder.unkeyedContainer()
                try unkeyed.encode(2)
            }
        }
        #expect(throws: EncodingError.self) { try codec.encode(TwiceInOneSingleValue()) }
        #expect(throws: EncodingError.self) { try codec.encode(KeyedThenUnkeyed()) }
        #expect(throws: EncodingError.self) { try codec.encode(["nested": [TwiceInOneSingleValue()]]) }
    }

    // MARK: the engine's values

    @Test func engineEnvelopesRoundTrip() throws {
        for (index, message) in CodecFixtures.engineMessages.enumerated() {
            let decoded = try canonicalRoundTrip(CodecFixtures.envelope(message, id: "m-\(index)"))
            #expect(decoded.messageId == "m-\(index)" && decoded.emittedAt == CodecFixtures.instant)
            #expect(decoded.message.workflowId == message.workflowId)
            if case .workflowTaskCompleted(let completed) = message,
                case .workflowTaskCompleted(let decodedCompleted) = decoded.message
            {
                #expect(decodedCompleted.output == completed.output)
            }
        }
        for message in CodecFixtures.workflowTagMessages { try canonicalRoundTrip(CodecFixtures.envelope(message)) }
        for message in CodecFixtures.serviceTagMessages { try canonicalRoundTrip(CodecFixtures.envelope(message)) }
        for message in CodecFixtures.clientMessages { try canonicalRoundTrip(CodecFixtures.envelope(message)) }
        let task = try canonicalRoundTrip(CodecFixtures.envelope(CodecFixtures.workflowTask))
        #expect(task.message.method == CodecFixtures.history && task.message.tags == ["x", "y"])
        let service = try canonicalRoundTrip(CodecFixtures.envelope(CodecFixtures.serviceTask))
        #expect(service.message.lastFailure == CodecFixtures.failure)
        #expect(service.message.arguments == CodecFixtures.serviceTask.arguments)
        try roundTrip(CodecFixtures.history)
        try roundTrip(CodecFixtures.failure)
    }

    @Test func workflowStateRoundTrips() throws {
        let state = CodecFixtures.state
        let decoded = try canonicalRoundTrip(state)
        #expect(decoded.header.tags == state.header.tags && decoded.header.meta == state.header.meta)
        #expect(decoded.properties == state.properties)
        #expect(decoded.methods.map(\.history) == state.methods.map(\.history))
        #expect(decoded.methods.map(\.outcome) == state.methods.map(\.outcome))
        #expect(decoded.methods.map(\.waitingClients) == state.methods.map(\.waitingClients))
        #expect(decoded.methods.map(\.commandIds) == state.methods.map(\.commandIds))
        #expect(decoded.header.runningWorkflowTask == state.header.runningWorkflowTask)
        #expect(decoded.header.methods == state.header.methods)
        #expect(decoded.commands.map(\.record) == state.commands.map(\.record))
        #expect(decoded.commands.map(\.awaitedBy) == state.commands.map(\.awaitedBy))
        #expect(decoded.earlyResults.map(\.result.commandId) == state.earlyResults.map(\.result.commandId))
        #expect(decoded.header.lastInstant == state.header.lastInstant && decoded.header.resolutionCount == 3)
        let json = try JSONPayloadCodec().encode(state)
        let binary = try codec.encode(state)
        #expect(binary.count < json.count, "binary \(binary.count) bytes, JSON \(json.count)")
    }

    // MARK: determinism

    @Test func equalDictionariesAndSetsGiveEqualBytesWhateverTheirOrder() throws {
        let keys = (0..<200).map { "key-\($0)" }
        var forward: [String: Int] = [:]
        for (index, key) in keys.enumerated() { forward[key] = index }
        var backward = [String: Int](minimumCapacity: 4096)
        for (index, key) in keys.enumerated().reversed() { backward[key] = index }
        #expect(Array(forward.keys) != Array(backward.keys), "the test needs two iteration orders")
        #expect(try codec.encode(forward) == codec.encode(backward))

        let intForward = Dictionary(uniqueKeysWithValues: (0..<200).map { ($0, "\($0)") })
        var intBackward = [Int: String](minimumCapacity: 4096)
        for index in (0..<200).reversed() { intBackward[index] = "\(index)" }
        #expect(try codec.encode(intForward) == codec.encode(intBackward))

        let uuids = (0..<100).map { _ in UUID() }
        let uuidForward = Dictionary(uniqueKeysWithValues: uuids.map { ($0, 1) })
        var uuidBackward = [UUID: Int](minimumCapacity: 4096)
        for uuid in uuids.reversed() { uuidBackward[uuid] = 1 }
        #expect(try codec.encode(uuidForward) == codec.encode(uuidBackward), "keys that are not strings: pairs")

        var setBackward = Set<String>(minimumCapacity: 4096)
        for key in keys.reversed() { setBackward.insert(key) }
        #expect(try codec.encode(Set(keys)) == codec.encode(setBackward))
        var results = Set<BookingResult>(minimumCapacity: 4096)
        for key in keys { results.insert(BookingResult(provider: key, reference: key)) }
        #expect(try codec.encode(Set(results.reversed())) == codec.encode(results), "sets of structs")

        // Inside the engine's values, and through the tree encoder.
        var state = CodecFixtures.state
        var other = CodecFixtures.state
        other.properties = [String: Payload](minimumCapacity: 1024)
        for (key, value) in state.properties.sorted(by: { $0.key > $1.key }) { other.properties[key] = value }
        other.header.tags = Set<String>(minimumCapacity: 1024)
        for tag in state.header.tags.sorted().reversed() { other.header.tags.insert(tag) }
        state.header.meta = Dictionary(uniqueKeysWithValues: keys.map { ($0, $0) })
        other.header.meta = [String: String](minimumCapacity: 4096)
        for key in keys.reversed() { other.header.meta[key] = key }
        #expect(try codec.encode(state) == codec.encode(other))
        #expect(try BinaryTreeEncoder.encode(state) == codec.encode(other))
    }

    @Test func theSameValueAlwaysGivesTheSameBytes() throws {
        let first = try codec.encode(CodecFixtures.state)
        for _ in 0..<5 { #expect(try codec.encode(CodecFixtures.state) == first) }
        let arguments = try (0..<3).map { _ in try codec.payload(Everything(uuidKeys: [:])) }
        #expect(Set(arguments).count == 1, "equal arguments, equal payloads (the strict determinism check)")
    }

    // MARK: schema evolution

    struct Version1: Codable, Equatable {
        var id: String
        var count: Int
    }

    struct Version2: Codable, Equatable {
        var id: String
        var count: Int
        var note: String?
        var history: [Version1]?
    }

    struct Version3: Codable, Equatable {
        var id: String
    }

    @Test func decodingWithAddedOptionalFieldsAndRemovedFields() throws {
        let old = try codec.encode(Version1(id: "a", count: 2))
        #expect(try codec.decode(Version2.self, from: old) == Version2(id: "a", count: 2))
        let new = try codec.encode(Version2(id: "a", count: 2, note: "n", history: [Version1(id: "h", count: 1)]))
        #expect(try codec.decode(Version1.self, from: new) == Version1(id: "a", count: 2), "unknown keys skipped")
        #expect(try codec.decode(Version3.self, from: new) == Version3(id: "a"), "a removed field is skipped")
        do {
            _ = try codec.decode(Version1.self, from: codec.encode(Version3(id: "a")))
            Issue.record("a missing non-optional field must throw")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "count")
        }
    }

    /// A field added to every envelope and to the stored state (as a later version of the engine would):
    /// messages and states written before and after read both ways.
    @Test func envelopesAndStatesSurviveAnAddedOptionalField() throws {
        struct NextEnvelope: Codable {
            var messageId: String
            var emitterName: String
            var emittedAt: Date
            var requester: Requester?
            var message: WorkflowEngineMessage
            var traceId: String?
        }
        let envelope = CodecFixtures.envelope(CodecFixtures.engineMessages[6])
        let next = try codec.decode(NextEnvelope.self, from: codec.encode(envelope))
        #expect(next.traceId == nil && next.messageId == envelope.messageId)
        var traced = next
        traced.traceId = "trace-1"
        let current = try codec.decode(WorkflowEngineEnvelope.self, from: codec.encode(traced))
        #expect(try codec.encode(current) == codec.encode(envelope))

        let state = CodecFixtures.state
        let extended = try codec.encode(WithExtraKeys(base: state, extra: ["traceId": "t", "zzz": "later field"]))
        #expect(try codec.encode(codec.decode(StateSample.self, from: extended)) == codec.encode(state))
    }

    // MARK: corrupt input

    @Test func wrongFormatsAreNamed() throws {
        #expect(throws: DecodingError.self) { try codec.decode(Int.self, from: []) }
        #expect(throws: DecodingError.self) { try codec.decode(Int.self, from: [BinaryFormat.magic]) }
        let json = try JSONPayloadCodec().encode(CodecFixtures.state)
        #expect(describe { try codec.decode(StateSample.self, from: json) }.contains("JSON"))
        var future = try codec.encode(CodecFixtures.state)
        future[0] = 0xB2
        #expect(describe { try codec.decode(StateSample.self, from: future) }.contains("version 2"))
        #expect(throws: DecodingError.self) { try codec.decode(Int.self, from: codec.encode(1) + [0]) }
    }

    @Test func errorsSayWhere() throws {
        struct Loose: Codable {
            var items: [[String: String]]
        }
        struct Item: Codable {
            var name: String
            var size: Int
        }
        struct Strict: Codable {
            var items: [Item]
        }
        let bytes = try codec.encode(Loose(items: [["name": "a", "size": "1"]]))
        do {
            _ = try codec.decode(Strict.self, from: bytes)
            Issue.record("expected a type mismatch")
        } catch DecodingError.typeMismatch(let type, let context) {
            #expect(ObjectIdentifier(type) == ObjectIdentifier(Int.self))
            #expect(context.codingPath.map(\.stringValue) == ["items", "Index 0", "size"])
            #expect(context.codingPath[1].intValue == 0)
        }
        do {
            _ = try codec.decode(Strict.self, from: codec.encode(Loose(items: [[:], ["name": "b"]])))
            Issue.record("expected a missing key")
        } catch DecodingError.keyNotFound(let key, let context) {
            #expect(key.stringValue == "name")
            #expect(context.codingPath.map(\.stringValue) == ["items", "Index 0"])
        }
        do {
            _ = try codec.decode(Version1.self, from: codec.encode(["id": nil, "count": 1] as [String: Int?]))
            Issue.record("expected nil for a non-optional")
        } catch DecodingError.valueNotFound(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["id"])
        }
    }

    @Test func everyTruncationThrows() throws {
        for value in [
            try codec.encode(CodecFixtures.state), try codec.encode(CodecFixtures.envelope(CodecFixtures.workflowTask)),
        ] {
            for length in 0..<value.count {
                #expect(throws: DecodingError.self) {
                    try codec.decode(StateSample.self, from: Array(value[..<length]))
                }
            }
        }
    }

    @Test func invalidUTF8AndDeepNestingThrow() throws {
        #expect(throws: DecodingError.self) {
            try codec.decode(String.self, from: [BinaryFormat.magic, BinaryFormat.shortString | 2, 0xC3, 0x28])
        }
        // 1,000 nested lists, each the `children` of a keyed container: decoding stops at the depth limit.
        #expect(describe { try codec.decode(Tree.self, from: nestedTree(levels: 1_000)) }.contains("nested"))
    }

    /// The field readers keep the depth limit too: a readable tree nested 1,000 levels deep is an error, not a
    /// stack overflow; one 200 levels deep (400 containers) decodes.
    @Test func readersStopAtTheDepthLimit() throws {
        #expect(describe { try codec.decode(ReadableTree.self, from: nestedTree(levels: 1_000)) }.contains("nested"))
        var depth = 0
        var tree = try codec.decode(ReadableTree.self, from: nestedTree(levels: 200))
        while let child = tree.children.first {
            depth += 1
            tree = child
        }
        #expect(depth == 200)
    }

    struct Tree: Codable {
        var children: [Tree]
    }

    @BinaryWritable
    @BinaryReadable
    struct ReadableTree: Codable {
        var children: [ReadableTree]
    }

    /// A tree `levels` deep, each level a keyed container whose `children` is a list of the next one, down to a leaf
    /// whose `children` list is empty.
    private func nestedTree(levels: Int) -> [UInt8] {
        func node(children list: [UInt8]) -> [UInt8] {
            let entry = [UInt8(8)] + Array("children".utf8) + [BinaryFormat.unkeyed] + varint(list.count) + list
            return [BinaryFormat.keyed] + varint(entry.count) + entry
        }
        var value = node(children: [])
        for _ in 0..<levels { value = node(children: value) }
        return [BinaryFormat.magic] + value
    }

    /// Random mutations of valid encodings (bytes changed, inserted, removed, duplicated, truncated): each
    /// decode throws a `DecodingError` or gives a value, and never crashes or reads out of bounds (the bytes are
    /// decoded at the very end of a page followed by an inaccessible one: reading past them would crash).
    /// `INFINITIC_FUZZ_SCALE=100` runs a hundred times as many.
    @Test func fuzzedInputThrowsOrDecodesNeverCrashes() throws {
        let scale = Int(ProcessInfo.processInfo.environment["INFINITIC_FUZZ_SCALE"] ?? "") ?? 1
        let page = try GuardedPage()
        var random = SplitMix64(seed: 42)
        func check<Value: Codable>(_ value: Value, rounds: Int) throws -> (decoded: Int, rejected: Int) {
            let valid = try codec.encode(value)
            var outcomes = (decoded: 0, rejected: 0)
            for _ in 0..<rounds {
                var bytes = valid
                for _ in 0...(random.next() % 3) { mutate(&bytes, &random) }
                do {
                    let decoded = try page.withBytes(bytes) { try codec.decode(Value.self, from: $0) }
                    _ = try codec.encode(decoded)
                    outcomes.decoded += 1
                } catch is DecodingError {
                    outcomes.rejected += 1
                }
            }
            return outcomes
        }
        let state = try check(CodecFixtures.state, rounds: 2_000 * scale)
        let envelope = try check(CodecFixtures.envelope(CodecFixtures.engineMessages[6]), rounds: 1_000 * scale)
        let everything = try check(Everything(), rounds: 1_000 * scale)
        #expect(state.rejected > 1_000 && envelope.rejected > 500 && everything.rejected > 500)
        #expect(state.decoded + envelope.decoded + everything.decoded > 0, "some mutations still decode")
        // Random bytes after the magic byte.
        for _ in 0..<(1_000 * scale) {
            let bytes =
                [BinaryFormat.magic] + (0..<(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(throws: DecodingError.self) {
                try page.withBytes(bytes) { try codec.decode(StateSample.self, from: $0) }
            }
        }
    }

    private func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let index = Int(random.next() % UInt64(bytes.count))
        let byte = UInt8(truncatingIfNeeded: random.next())
        switch random.next() % 6 {
        case 0: bytes[index] = byte
        case 1: bytes[index] ^= 1 << (random.next() % 8)
        case 2: bytes.insert(byte, at: index)
        case 3: bytes.remove(at: index)
        case 4: bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
        default:
            let end = min(bytes.count, index + Int(random.next() % 16))
            bytes.insert(contentsOf: bytes[index..<end], at: index)
        }
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }

    private func describe(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}

/// A page of memory followed by an inaccessible one: bytes placed at its very end crash a read past them.
final class GuardedPage {
    private let base: UnsafeMutableRawPointer
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init() throws {
        guard let memory = mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            memory != MAP_FAILED, mprotect(memory + pageSize, pageSize, PROT_NONE) == 0
        else { throw LoopError("cannot map a guarded page") }
        base = memory
    }

    deinit { munmap(base, 2 * pageSize) }

    /// Calls `body` with a copy of `bytes` ending where the inaccessible page starts.
    func withBytes<Result>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        precondition(bytes.count <= pageSize)
        let start = base + pageSize - bytes.count
        bytes.withUnsafeBytes { if let source = $0.baseAddress { start.copyMemory(from: source, byteCount: $0.count) } }
        return try body(UnsafeRawBufferPointer(start: start, count: bytes.count))
    }
}

/// Any string key.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A value encoded with more keys than its type has (what a later version of its type would write).
struct WithExtraKeys<Base: Encodable>: Encodable {
    var base: Base
    var extra: [String: String]

    func encode(to encoder: any Encoder) throws {
        try base.encode(to: encoder)
        var container = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { try container.encode(value, forKey: AnyKey(key)) }
    }
}
