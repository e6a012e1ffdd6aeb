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

  /// Copies each byte string (none holds a NUL: the kernel's and bash's
  /// NUL-separated strings never do).
  public init(bytes strings: [[UInt8]]) {
    count = strings.count
    pointers = .allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() {
      // malloc, as strdup's copies are: deinit frees both with free.
      let copy = malloc(string.count + 1)!.assumingMemoryBound(to: CChar.self)
      for (offset, byte) in string.enumerated() { copy[offset] = CChar(bitPattern: byte) }
      copy[string.count] = 0
      pointers[index] = copy
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
