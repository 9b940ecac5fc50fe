// Rust v0 symbol demangling (RFC 2603), printed like rustc-demangle's alternate form (no hashes, no
// instantiating crate). Recursive descent with back-references; a depth limit guards against hostile input.
#include <cstdint>
#include <string>
#include <string_view>

#include "symbolize/demangle.hpp"

namespace lambdascope::symbolize {

namespace {

class V0Printer {
 public:
  explicit V0Printer(std::string_view s) : s_(s) {}

  bool symbol(std::string* out) {
    if (!eat('_') || !eat('R')) return false;
    if (peek() >= '0' && peek() <= '9') decimal();  // encoding version
    if (!path(true)) return false;
    // An optional instantiating crate and a vendor suffix (".llvm.123") follow; not printed.
    *out = std::move(out_);
    return ok_;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  char next() {
    if (pos_ >= s_.size()) {
      ok_ = false;
      return '\0';
    }
    return s_[pos_++];
  }
  bool enter() {
    if (++depth_ > 200) ok_ = false;
    return ok_;
  }
  void leave() { --depth_; }

  uint64_t decimal() {
    uint64_t v = 0;
    if (peek() < '0' || peek() > '9') {
      ok_ = false;
      return 0;
    }
    if (peek() == '0') {
      ++pos_;
      return 0;
    }
    while (peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<uint64_t>(next() - '0');
      if (v > (1u << 30)) ok_ = false;
    }
    return v;
  }
  // <base-62-number> = {digit} "_": "_" is 0, otherwise value + 1.
  uint64_t base62() {
    if (eat('_')) return 0;
    uint64_t v = 0;
    while (ok_ && !eat('_')) {
      char c = next();
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'z' ? c - 'a' + 10
              : c >= 'A' && c <= 'Z' ? c - 'A' + 36
                                     : -1;
      if (d < 0) {
        ok_ = false;
        return 0;
      }
      v = v * 62 + static_cast<uint64_t>(d);  // disambiguators are 64-bit hashes: wrapping is fine
    }
    return v + 1;
  }
  uint64_t disambiguator() { return eat('s') ? base62() + 1 : 0; }
  std::string_view ident() {
    bool punycode = eat('u');
    uint64_t len = decimal();
    eat('_');
    if (!ok_ || len > s_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string_view id = s_.substr(pos_, len);
    pos_ += len;
    (void)punycode;  // printed raw
    return id;
  }

  template <typename F>
  bool backref(F&& f) {
    uint64_t target = base62();
    if (!ok_ || target + 2 >= pos_) return ok_ = false;
    size_t saved = pos_;
    pos_ = 2 + target;  // offsets count from after "_R"
    bool r = f();
    pos_ = saved;
    return r;
  }

  bool path(bool value_context) {
    if (!enter()) return false;
    char c = next();
    switch (c) {
      case 'C': {
        disambiguator();
        out_ += ident();
        break;
      }
      case 'N': {
        char ns = next();
        if (!path(value_context)) break;
        uint64_t dis = disambiguator();
        std::string_view id = ident();
        if (ns >= 'A' && ns <= 'Z') {  // special namespaces: closures, shims
          out_ += "::{";
          out_ += ns == 'C' ? "closure" : ns == 'S' ? "shim" : std::string(1, ns);
          if (!id.empty()) {
            out_ += ':';
            out_ += id;
          }
          out_ += '#';
          out_ += std::to_string(dis);
          out_ += '}';
        } else {
          out_ += "::";
          out_ += id;
        }
        break;
      }
      case 'M': {  // <T>
        disambiguator();
        impl_path_skip();
        out_ += '<';
        type();
        out_ += '>';
        break;
      }
      case 'X': {  // <T as Trait>
        disambiguator();
        impl_path_skip();
        out_ += '<';
        type();
        out_ += " as ";
        path(false);
        out_ += '>';
        break;
      }
      case 'Y': {
        out_ += '<';
        type();
        out_ += " as ";
        path(false);
        out_ += '>';
        break;
      }
      case 'I': {
        path(value_context);
        if (value_context) out_ += "::";
        out_ += '<';
        for (bool first = true; ok_ && !eat('E'); first = false) {
          if (!first) out_ += ", ";
          generic_arg();
        }
        out_ += '>';
        break;
      }
      case 'B':
        backref([&] { return path(value_context); });
        break;
      default:
        ok_ = false;
    }
    leave();
    return ok_;
  }
  // The impl's own path is not printed; parse it into a scratch buffer.
  void impl_path_skip() {
    std::string saved;
    saved.swap(out_);
    path(false);
    out_.swap(saved);
  }
  void generic_arg() {
    if (eat('L')) {
      lifetime(base62());
    } else if (eat('K')) {
      constant();
    } else {
      type();
    }
  }
  void lifetime(uint64_t n) { out_ += n == 0 ? "'_" : "'" + std::to_string(n); }
  void constant() {
    if (!enter()) return;
    if (eat('p')) {
      out_ += '_';
    } else if (peek() == 'B') {
      ++pos_;
      backref([&] {
        constant();
        return ok_;
      });
    } else {
      char t = next();  // the type: integers, bool, char
      bool neg = eat('n');
      uint64_t v = 0;
      while (ok_ && !eat('_')) {
        char c = next();
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) ok_ = false;
        v = v * 16 + static_cast<uint64_t>(d);
      }
      if (t == 'b')
        out_ += v ? "true" : "false";
      else {
        if (neg) out_ += '-';
        out_ += std::to_string(v);
      }
    }
    leave();
  }
  void type() {
    if (!enter()) return;
    char c = peek();
    static const char* const kBasic[26] = {"i8",   "bool",  "char",  "f64",   "str", "f32", nullptr,
                                           "u8",   "isize", "usize", nullptr, "i32", "u32", "i128",
                                           "u128", "_",     nullptr, nullptr, "i16", "u16", "()",
                                           "...",  nullptr, "i64",   "u64",   "!"};
    if (c >= 'a' && c <= 'z' && kBasic[c - 'a'] != nullptr) {
      ++pos_;
      out_ += kBasic[c - 'a'];
      leave();
      return;
    }
    switch (c) {
      case 'A':
        ++pos_;
        out_ += '[';
        type();
        out_ += "; ";
        constant();
        out_ += ']';
        break;
      case 'S':
        ++pos_;
        out_ += '[';
        type();
        out_ += ']';
        break;
      case 'T':
        ++pos_;
        out_ += '(';
        for (bool first = true; ok_ && !eat('E'); first = false) {
          if (!first) out_ += ", ";
          type();
        }
        out_ += ')';
        break;
      case 'R':
      case 'Q':
        ++pos_;
        out_ += c == 'R' ? "&" : "&mut ";
        if (eat('L')) {
          uint64_t n = base62();
          if (n != 0) {
            lifetime(n);
            out_ += ' ';
          }
        }
        type();
        break;
      case 'P':
      case 'O':
        ++pos_;
        out_ += c == 'P' ? "*const " : "*mut ";
        type();
        break;
      case 'F': {
        ++pos_;
        if (eat('G')) base62();
        if (eat('U')) out_ += "unsafe ";
        if (eat('K')) {
          out_ += "extern \"";
          if (eat('C'))
            out_ += 'C';
          else
            out_ += ident();
          out_ += "\" ";
        }
        out_ += "fn(";
        for (bool first = true; ok_ && !eat('E'); first = false) {
          if (!first) out_ += ", ";
          type();
        }
        out_ += ')';
        size_t before = out_.size();
        out_ += " -> ";
        size_t mark = out_.size();
        type();
        if (out_.compare(mark, std::string::npos, "()") == 0) out_.resize(before);
        break;
      }
      case 'D': {
        ++pos_;
        if (eat('G')) base62();
        out_ += "dyn ";
        for (bool first = true; ok_ && !eat('E'); first = false) {
          if (!first) out_ += " + ";
          path(false);
          while (ok_ && eat('p')) {
            out_ += '<';
            out_ += ident();
            out_ += " = ";
            type();
            out_ += '>';
          }
        }
        if (eat('L')) base62();
        break;
      }
      case 'B':
        ++pos_;
        backref([&] {
          type();
          return ok_;
        });
        break;
      default:
        path(false);
    }
    leave();
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool ok_ = true;
  std::string out_;
};

}  // namespace

bool demangle_rust_v0(std::string_view symbol, std::string* out) {
  // Strip a vendor suffix such as ".llvm.1234" first: it is not part of the grammar.
  size_t dot = symbol.find('.');
  std::string_view core = symbol.substr(0, dot);
  V0Printer p(core);
  std::string text;
  if (!p.symbol(&text) || text.empty()) return false;
  *out = std::move(text);
  return true;
}

}  // namespace lambdascope::symbolize
