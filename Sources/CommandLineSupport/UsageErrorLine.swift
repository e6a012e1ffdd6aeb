/// A usage error as the one line the command prints: the parser's message
/// (without its "The value … is invalid for …:" preamble when our own
/// message says it all), a suggestion for a mistyped subcommand, and the
/// help to read: that of the subcommand the words named, not the whole
/// command's.
public enum UsageErrorLine {
  /// A command and its subcommands, by the names typed.
  public struct CommandTree: Sendable {
    public let name: String
    public let subcommands: [CommandTree]

    /// A command named `name` with `subcommands`.
    public init(name: String, subcommands: [CommandTree]) {
      self.name = name
      self.subcommands = subcommands
    }
  }

  /// The line for `message` (the parser's first line) given `arguments`
  /// (without the program's name) to the command `root`.
  public static func text(message: String, arguments: [String], root: CommandTree) -> String {
    var command = [root.name]
    var node = root
    var words = arguments[...]
    while let word = words.first, let next = node.subcommands.first(where: { $0.name == word }) {
      command.append(word)
      node = next
      words = words.dropFirst()
    }
    var line = ownMessage(in: message)
    if let typed = words.first, !typed.hasPrefix("-"), message.contains("'\(typed)'"),
      let suggestion = closest(to: typed, among: node.subcommands.map(\.name))
    {
      line += "; did you mean '\(suggestion)'?"
    }
    return line + " (see '\(command.joined(separator: " ")) --help')"
  }

  /// ArgumentParser's "The value 'V' is invalid for '--OPTION <name>': OURS"
  /// as OURS, when OURS names the option itself; the message otherwise.
  static func ownMessage(in message: String) -> String {
    guard message.hasPrefix("The value '"), let invalid = message.firstRange(of: "' is invalid for '"),
      let end = message[invalid.upperBound...].firstRange(of: "': ")
    else { return message }
    let option = message[invalid.upperBound..<end.lowerBound].split(separator: " ").first.map(String.init) ?? ""
    let own = String(message[end.upperBound...])
    return own.hasPrefix(option) ? own : message
  }

  /// The one name within two edits of `typed` (the closest, when several are).
  static func closest(to typed: String, among names: [String]) -> String? {
    let scored = names.map { (name: $0, distance: distance(Array(typed), Array($0))) }.filter { $0.distance <= 2 }
    guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
    return scored.filter { $0.distance == best.distance }.count == 1 ? best.name : nil
  }

  /// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
        }
      }
    }
    return table[a.count][b.count]
  }
}
