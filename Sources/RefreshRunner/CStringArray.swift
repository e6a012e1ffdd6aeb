import SystemInterface

/// A NULL-terminated array of C strings (an `argv` or `envp`), owning its
/// copies and freeing them when released.
public final class CStringArray {
  let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  let count: Int

  /// Copies `strings`.
  public init(_ strings: [String]) {
    count = strings.count
    pointers = .allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() {
      pointers[index] = strdup(string)
    }
    pointers[strings.count] = nil
  }

  /// Replaces the last string with a copy of `string` (an `envp`'s
  /// per-child entry, such as `TRACEPARENT`, set before each spawn).
  public func replaceLast(with string: String) {
    guard count > 0 else { return }
    free(pointers[count - 1])
    pointers[count - 1] = strdup(string)
  }

  deinit {
    for index in 0..<count { free(pointers[index]) }
    pointers.deallocate()
  }
}
