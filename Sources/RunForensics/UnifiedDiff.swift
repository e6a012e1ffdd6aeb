/// Line-based unified diffs (`diff -u` style), by Myers' O(ND) algorithm.
public enum UnifiedDiff {
  enum Edit: Equatable {
    case same(Int, Int)
    case delete(Int)
    case insert(Int)
  }

  /// The unified diff of `old` and `new` text with `context` lines around
  /// each change, headed by `---`/`+++` lines; empty when they are equal.
  public static func text(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String {
    let a = lines(old)
    let b = lines(new)
    guard a != b else { return "" }
    let edits = script(a, b)
    var output = "--- \(oldLabel)\n+++ \(newLabel)\n"
    var index = 0
    while index < edits.count {
      guard edits[index].isChange else {
        index += 1
        continue
      }
      var start = index
      var contextBefore = 0
      while start > 0 && contextBefore < context && !edits[start - 1].isChange {
        start -= 1
        contextBefore += 1
      }
      // Extend the hunk while changes are at most 2 × context lines apart,
      // then keep `context` unchanged lines after its last change.
      var end = index
      var quiet = 0
      while end < edits.count {
        if edits[end].isChange { quiet = 0 } else { quiet += 1 }
        if quiet > 2 * context { break }
        end += 1
      }
      let trailing = end < edits.count ? quiet - 1 : quiet
      end -= max(0, trailing - context)
      let hunk = Array(edits[start..<end])
      let oldStart = firstOld(edits, from: start)
      let newStart = firstNew(edits, from: start)
      let oldCount = hunk.filter { if case .insert = $0 { return false } else { return true } }.count
      let newCount = hunk.filter { if case .delete = $0 { return false } else { return true } }.count
      output += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n"
      for edit in hunk {
        switch edit {
        case .same(let i, _): output += " " + a[i] + "\n"
        case .delete(let i): output += "-" + a[i] + "\n"
        case .insert(let j): output += "+" + b[j] + "\n"
        }
      }
      index = end
    }
    return output
  }

  static func range(_ start: Int, _ count: Int) -> String {
    count == 1 ? "\(start + 1)" : "\(count == 0 ? start : start + 1),\(count)"
  }

  static func firstOld(_ edits: [Edit], from index: Int) -> Int {
    var count = 0
    for edit in edits[..<index] { if case .insert = edit {} else { count += 1 } }
    return count
  }

  static func firstNew(_ edits: [Edit], from index: Int) -> Int {
    var count = 0
    for edit in edits[..<index] { if case .delete = edit {} else { count += 1 } }
    return count
  }

  static func lines(_ text: String) -> [String] {
    var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if parts.last == "" { parts.removeLast() }
    return parts
  }

  /// The shortest edit script turning `a` into `b`. Their common first
  /// and last lines are kept out of the search, whose trace grows with the
  /// lines searched times the differences.
  static func script(_ a: [String], _ b: [String]) -> [Edit] {
    var prefix = 0
    while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
      suffix += 1
    }
    let middle = searched(Array(a[prefix..<(a.count - suffix)]), Array(b[prefix..<(b.count - suffix)]))
    var edits = (0..<prefix).map { Edit.same($0, $0) }
    for edit in middle {
      switch edit {
      case .same(let i, let j): edits.append(.same(i + prefix, j + prefix))
      case .delete(let i): edits.append(.delete(i + prefix))
      case .insert(let j): edits.append(.insert(j + prefix))
      }
    }
    let (oldTail, newTail) = (a.count - suffix, b.count - suffix)
    edits += (0..<suffix).map { Edit.same(oldTail + $0, newTail + $0) }
    return edits
  }

  /// Myers' search proper.
  private static func searched(_ a: [String], _ b: [String]) -> [Edit] {
    let n = a.count
    let m = b.count
    let offset = n + m + 1
    var frontier = [Int](repeating: 0, count: 2 * offset + 1)
    var trace: [[Int]] = []
    search: for d in 0...(n + m) {
      trace.append(frontier)
      for k in stride(from: -d, through: d, by: 2) {
        var x: Int
        if k == -d || (k != d && frontier[offset + k - 1] < frontier[offset + k + 1]) {
          x = frontier[offset + k + 1]
        } else {
          x = frontier[offset + k - 1] + 1
        }
        var y = x - k
        while x < n && y < m && a[x] == b[y] {
          x += 1
          y += 1
        }
        frontier[offset + k] = x
        if x >= n && y >= m { break search }
      }
    }
    trace.append(frontier)
    var edits: [Edit] = []
    var x = n
    var y = m
    for d in stride(from: trace.count - 2, through: 0, by: -1) where x > 0 || y > 0 {
      let previous = trace[d]
      let k = x - y
      let previousK: Int
      if k == -d || (k != d && previous[offset + k - 1] < previous[offset + k + 1]) {
        previousK = k + 1
      } else {
        previousK = k - 1
      }
      let previousX = previous[offset + previousK]
      let previousY = previousX - previousK
      while x > previousX && y > previousY {
        x -= 1
        y -= 1
        edits.append(.same(x, y))
      }
      if d > 0 {
        if x == previousX {
          y -= 1
          edits.append(.insert(y))
        } else {
          x -= 1
          edits.append(.delete(x))
        }
      }
    }
    return edits.reversed()
  }
}

extension UnifiedDiff.Edit {
  var isChange: Bool {
    if case .same = self { return false }
    return true
  }
}
