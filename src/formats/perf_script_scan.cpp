#include "formats/perf_script_scan.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lambdascope::formats::perf_script {

namespace {

// wyhash-style: 16 bytes per multiply. hash_bytes() is 8 bytes per two multiplies, and frame lines are
// hashed once each, so this is the reader's single hottest loop.
inline uint64_t mum(uint64_t a, uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;

// Hashes the last `n` bytes at `p` into `h`; `total` is the whole text's length.
uint64_t finish_hash(uint64_t h, const char* p, size_t n, size_t total) {
  while (n > 16) {
    h = mum(load64(p) ^ k1, load64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = load64(p);
    b = load64(p + n - 8);
  } else if (n >= 4) {
    a = load32(p);
    b = load32(p + n - 4);
  } else if (n > 0) {
    a = (uint64_t{static_cast<unsigned char>(p[0])} << 16) |
        (uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) | static_cast<unsigned char>(p[n - 1]);
  }
  return mum(k1 ^ total, mum(a ^ k1, b ^ h));
}

}  // namespace

uint64_t fast_hash(std::string_view s, uint64_t seed) {
  return finish_hash(seed ^ k0 ^ (s.size() * k2), s.data(), s.size(), s.size());
}

// 16 bytes at a time where SSE2 is there.
const char* skip_blanks(const char* p, const char* e) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
  while (e - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned m = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab))));
    if (m != 0xffff) return p + __builtin_ctz(~m);
    p += 16;
  }
#endif
  while (p < e && (*p == ' ' || *p == '\t')) ++p;
  return p;
}

namespace {

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

const char* skip_hex(const char* p, const char* e) {
#if defined(__SSE2__)
  const __m128i below0 = _mm_set1_epi8('0' - 1), above9 = _mm_set1_epi8('9' + 1);
  const __m128i belowa = _mm_set1_epi8('a' - 1), abovef = _mm_set1_epi8('f' + 1), lower = _mm_set1_epi8(0x20);
  while (e - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, below0), _mm_cmpgt_epi8(above9, v));
    __m128i l = _mm_or_si128(v, lower);
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(l, belowa), _mm_cmpgt_epi8(abovef, l));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(digit, letter)));
    if (m != 0xffff) return p + __builtin_ctz(~m);
    p += 16;
  }
#endif
  while (p < e && is_hex_digit(*p)) ++p;
  return p;
}

size_t hash_to_empty_line(std::string_view text, size_t pos, size_t limit, uint64_t seed, uint64_t* hash) {
  const char* p = text.data() + pos;
  const char* e = text.data() + std::min(text.size(), pos + limit);
  uint64_t h = seed ^ k0;
  size_t blank = std::string_view::npos;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (e - p >= 17) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    auto m =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(b, nl))));
    if (m) {
      blank = static_cast<size_t>(p - text.data()) + __builtin_ctz(m) + 1;
      break;
    }
    h = mum(load64(p) ^ k1, load64(p + 8) ^ h);
    p += 16;
  }
#endif
  if (blank == std::string_view::npos) {
    for (const char* q = p; q + 1 < e; ++q)
      if (q[0] == '\n' && q[1] == '\n') {
        blank = static_cast<size_t>(q - text.data()) + 1;
        break;
      }
    if (blank == std::string_view::npos) return blank;
  }
  *hash = finish_hash(h, p, blank - static_cast<size_t>(p - text.data()), blank - pos);
  return blank;
}

std::string_view text_after_address(std::string_view line) {
#if defined(__SSE2__)
  // perf prints "\t%16lx " before the symbol: the whole prefix is in the first 32 bytes. Classify them at
  // once and find the symbol with bit arithmetic; longer prefixes take the loop below.
  if (line.size() >= 32) {
    auto blank_hex = [](const char* p, uint32_t* blank, uint32_t* hex) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m128i b = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
      __m128i digit =
          _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
      __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
      __m128i letter =
          _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), l));
      *blank = static_cast<uint32_t>(_mm_movemask_epi8(b));
      *hex = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(digit, letter)));
    };
    uint32_t blank0, hex0, blank1, hex1;
    blank_hex(line.data(), &blank0, &hex0);
    blank_hex(line.data() + 16, &blank1, &hex1);
    uint32_t blank = blank0 | (blank1 << 16), hex = hex0 | (hex1 << 16);
    if (~blank != 0) {
      uint32_t a = static_cast<uint32_t>(__builtin_ctz(~blank));  // the address starts
      uint32_t not_hex = ~hex & (~0u << a);
      if (not_hex != 0) {
        uint32_t b = static_cast<uint32_t>(__builtin_ctz(not_hex));  // the address ends
        if (b > a && ((blank >> b) & 1)) {
          uint32_t symbol = ~blank & (~0u << b);
          if (symbol != 0) return line.substr(static_cast<size_t>(__builtin_ctz(symbol)));
        } else if (b == a || !((blank >> b) & 1)) {
          return {};  // no address, or the address is not followed by a blank
        }
      }
    }
  }
#endif
  const char* e = line.data() + line.size();
  const char* a = skip_blanks(line.data(), e);
  const char* p = skip_hex(a, e);
  if (p == a || p == e || (*p != ' ' && *p != '\t')) return {};
  p = skip_blanks(p, e);
  return std::string_view(p, static_cast<size_t>(e - p));
}

}  // namespace lambdascope::formats::perf_script
