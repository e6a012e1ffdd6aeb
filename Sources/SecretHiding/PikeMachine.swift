/// One instruction of a compiled expression.
enum PatternInstruction: Sendable {
  /// Consume one byte of the set.
  case bytes(ByteSet)
  /// Go on at both.
  case split(Int, Int)
  case jump(Int)
  case assertion(PatternAssertion)
  case match
}

/// Turns a parsed expression into a Thompson program.
enum PatternCompiler {
  static func compile(_ node: PatternNode) throws(PatternError) -> [PatternInstruction] {
    var program: [PatternInstruction] = []
    try emit(node, into: &program)
    program.append(.match)
    return program
  }

  private static func emit(_ node: PatternNode, into program: inout [PatternInstruction]) throws(PatternError) {
    guard program.count < LinearPattern.maximumProgramSize else {
      throw PatternError(reason: "too large once repetitions are expanded")
    }
    switch node {
    case .empty: break
    case .bytes(let set): program.append(.bytes(set))
    case .assertion(let assertion): program.append(.assertion(assertion))
    case .concatenation(let nodes): for part in nodes { try emit(part, into: &program) }
    case .alternation(let branches): try emitAlternation(branches, into: &program)
    case .repetition(let body, let minimum, let maximum):
      for _ in 0..<minimum { try emit(body, into: &program) }
      if let maximum {
        // Each optional copy may be skipped to the end.
        var skips: [Int] = []
        for _ in minimum..<maximum {
          skips.append(program.count)
          program.append(.split(program.count + 1, -1))
          try emit(body, into: &program)
        }
        for skip in skips { program[skip] = .split(skip + 1, program.count) }
      } else {
        let loop = program.count
        program.append(.split(loop + 1, -1))
        try emit(body, into: &program)
        program.append(.jump(loop))
        program[loop] = .split(loop + 1, program.count)
      }
    }
  }

  private static func emitAlternation(
    _ branches: [PatternNode], into program: inout [PatternInstruction]
  ) throws(PatternError) {
    var jumps: [Int] = []
    for (index, branch) in branches.enumerated() {
      let isLast = index == branches.count - 1
      let split = program.count
      if !isLast { program.append(.split(split + 1, -1)) }
      try emit(branch, into: &program)
      if !isLast {
        jumps.append(program.count)
        program.append(.jump(-1))
        program[split] = .split(split + 1, program.count)
      }
    }
    for jump in jumps { program[jump] = .jump(program.count) }
  }
}

/// Runs a program over one line: all threads in step, one per instruction,
/// each remembering where its match started; the earliest start wins, then
/// the longest end (POSIX leftmost-longest).
struct PikeMachine {
  private let program: [PatternInstruction]
  private let line: UnsafeBufferPointer<UInt8>
  private var current: [(pc: Int, start: Int)] = []
  private var following: [(pc: Int, start: Int)] = []
  /// The step at which each instruction was last added, so each is added once per step.
  private var added: [Int]
  private var stack: [Int] = []
  private var step = 0

  init(program: [PatternInstruction], line: UnsafeBufferPointer<UInt8>) {
    self.program = program
    self.line = line
    added = Array(repeating: -1, count: program.count)
  }

  mutating func search(from: Int, budget: UnsafeMutablePointer<SearchBudget>?) -> Range<Int>? {
    var best: Range<Int>?
    var position = from
    while position <= line.count {
      // The same step as the one that filled `current`, so an instruction
      // already there is not added again with a later start.
      if best == nil { add(0, start: position, at: position, toFollowing: false) }
      if current.isEmpty { break }
      if let budget, !budget.pointee.spend(current.count) { return from..<line.count }
      following.removeAll(keepingCapacity: true)
      step += 1
      for (pc, start) in current {
        switch program[pc] {
        case .match:
          if best == nil || start < best!.lowerBound || (start == best!.lowerBound && position > best!.upperBound) {
            best = start..<position
          }
        case .bytes(let set):
          if position < line.count, set.contains(line[position]), best == nil || start <= best!.lowerBound {
            add(pc + 1, start: start, at: position + 1, toFollowing: true)
          }
        default: break
        }
      }
      swap(&current, &following)
      position += 1
    }
    current.removeAll(keepingCapacity: true)
    return best
  }

  /// Adds the thread at `pc` and every instruction reachable from it
  /// without consuming a byte, at `position`.
  private mutating func add(_ pc: Int, start: Int, at position: Int, toFollowing: Bool) {
    stack.append(pc)
    while let next = stack.popLast() {
      guard added[next] != step else { continue }
      added[next] = step
      switch program[next] {
      case .jump(let target): stack.append(target)
      case .split(let first, let second):
        stack.append(second)
        stack.append(first)
      case .assertion(let assertion):
        if holds(assertion, at: position) { stack.append(next + 1) }
      case .bytes, .match:
        if toFollowing { following.append((next, start)) } else { current.append((next, start)) }
      }
    }
  }

  private func holds(_ assertion: PatternAssertion, at position: Int) -> Bool {
    let before = position > 0 && ByteSet.word.contains(line[position - 1])
    let after = position < line.count && ByteSet.word.contains(line[position])
    switch assertion {
    case .lineStart: return position == 0
    case .lineEnd: return position == line.count
    case .wordBoundary: return before != after
    case .notWordBoundary: return before == after
    case .wordStart: return !before && after
    case .wordEnd: return before && !after
    }
  }
}
