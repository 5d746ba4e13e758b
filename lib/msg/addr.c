/* RFC 5322 address lists (3.4, obsolete forms of 4.4, RFC 6532 UTF-8)
 * with the tolerance of mail readers, and the mailbox serializer.
 *
 * The parser is a flat loop over elements separated by ',' (and ';' ending
 * a group). A lexer turns the value into atoms, quoted strings, domain
 * literals and single specials, skipping whitespace and comments (nesting
 * is a bounded counter). Nothing recurses: a group cannot nest, so a
 * ':' inside a group is junk and a colon bomb costs linear time. */
#include <string.h>

#include "msg_int.h"

enum { A_END, A_ATOM, A_QSTR, A_DLIT, A_SPECIAL };

typedef struct atok {
    int kind;
    size_t start, end; /* delimiters included */
    int ws_before;     /* whitespace or a comment preceded it */
    int ew;            /* an atom that is a whole encoded word */
    char ch;           /* the special */
} atok;

typedef struct alex {
    const char *s;
    size_t len, pos;
    uint32_t depth_max;
    uint32_t flags; /* MW_ADDR_UNTERMINATED seen */
    mw_status err;  /* MW_E_LIMIT once comments nest too deep */
} alex;

static int is_addr_special(uint8_t c)
{
    return c != 0 && strchr("()<>[]:;@\\,.\"", c) != NULL;
}

/* Skip a comment starting at l->pos; nesting is counted, not recursed. */
static void skip_comment(alex *l)
{
    uint32_t depth = 0;
    for (; l->pos < l->len; l->pos++) {
        char c = l->s[l->pos];
        if (c == '\\') {
            l->pos++;
        } else if (c == '(' && ++depth > l->depth_max) {
            l->err = MW_E_LIMIT;
            l->pos = l->len;
            return;
        } else if (c == ')' && --depth == 0) {
            l->pos++;
            return;
        }
    }
    l->pos = l->len;
    l->flags |= MW_ADDR_UNTERMINATED; /* unclosed: runs to the end */
}

static int skip_cfws(alex *l)
{
    int skipped = 0;
    while (l->pos < l->len) {
        char c = l->s[l->pos];
        if (mwi_is_fws((unsigned char)c))
            l->pos++;
        else if (c == '(')
            skip_comment(l);
        else
            break;
        skipped = 1;
    }
    if (l->pos > l->len)
        l->pos = l->len;
    return skipped;
}

/* Quoted string or domain literal: up to the closing delimiter, with
 * quoted-pairs; an unclosed one runs to the end. */
static void lex_delimited(alex *l, char close)
{
    for (l->pos++; l->pos < l->len; l->pos++) {
        if (l->s[l->pos] == '\\') {
            l->pos++;
        } else if (l->s[l->pos] == close) {
            l->pos++;
            return;
        }
    }
    l->pos = l->len;
    l->flags |= MW_ADDR_UNTERMINATED;
}

/* An atom; one that starts an encoded word extends to the word's end even
 * over specials such as '.' that broken Q encoders leave unencoded. */
static void lex_atom(alex *l, atok *t)
{
    mwi_ew ew;
    size_t a = l->pos;
    while (l->pos < l->len && !mwi_is_fws((unsigned char)l->s[l->pos]) &&
           !is_addr_special((uint8_t)l->s[l->pos]))
        l->pos++;
    if (mwi_ew_match(l->s + a, l->len - a, &ew) && a + ew.len >= l->pos) {
        l->pos = a + ew.len;
        t->ew = 1;
    }
}

static void lex_next(alex *l, atok *t)
{
    memset(t, 0, sizeof(*t));
    t->ws_before = skip_cfws(l);
    t->start = l->pos;
    if (l->pos >= l->len) {
        t->kind = A_END;
        t->end = l->pos;
        return;
    }
    char c = l->s[l->pos];
    if (c == '"' || c == '[') {
        t->kind = c == '"' ? A_QSTR : A_DLIT;
        lex_delimited(l, c == '"' ? '"' : ']');
    } else if (is_addr_special((uint8_t)c)) {
        t->kind = A_SPECIAL;
        t->ch = c;
        l->pos++;
    } else {
        t->kind = A_ATOM;
        lex_atom(l, t);
    }
    t->end = l->pos;
}

static int is_special(const atok *t, const char *set)
{
    return t->kind == A_SPECIAL && strchr(set, t->ch) != NULL;
}

/* Content of a quoted string or literal token without its delimiters. */
static void token_inner(const alex *l, const atok *t, size_t *a, size_t *b)
{
    *a = t->start + 1;
    *b = t->end;
    if (*b > *a && l->s[*b - 1] == (t->kind == A_QSTR ? '"' : ']'))
        (*b)--;
    if (*b < *a)
        *b = *a;
}

/* ---- parser state and output ---- */

typedef struct aparse {
    alex lx;
    const mw_charset_hook *hook;
    mw_buf *st; /* caller's storage */
    mw_address *out;
    size_t cap, count;
    int in_group;
    uint32_t group_index;
    size_t group_off, group_len, group_members;
    uint32_t flags; /* flags of the element being parsed */
} aparse;

/* Spans are stored as offsets into the storage while it may still move
 * (a growable buffer reallocates); fix_spans() turns them into pointers
 * once parsing is over. */
static void span_set_offset(mw_span *sp, size_t off, size_t len)
{
    sp->ptr = (const char *)(uintptr_t)off;
    sp->len = len;
}

static void span_fix(mw_span *sp, const mw_buf *storage)
{
    size_t off = (size_t)(uintptr_t)sp->ptr;
    sp->ptr = sp->len ? storage->data + off : storage->data;
}

static void fix_spans(aparse *p)
{
    size_t n = p->count < p->cap ? p->count : p->cap;
    for (size_t i = 0; i < n; i++) {
        span_fix(&p->out[i].display_name, p->st);
        span_fix(&p->out[i].addr_spec, p->st);
        span_fix(&p->out[i].group, p->st);
    }
}

/* A stored string: offset and length in the storage. */
typedef struct sref {
    size_t off, len;
} sref;

static void emit(aparse *p, const sref *name, const sref *spec, uint32_t fl)
{
    if (p->count < p->cap) {
        mw_address *a = &p->out[p->count];
        memset(a, 0, sizeof(*a));
        span_set_offset(&a->display_name, name->off, name->len);
        span_set_offset(&a->addr_spec, spec->off, spec->len);
        span_set_offset(&a->group, p->group_off,
                        p->in_group ? p->group_len : 0);
        a->group_index = p->in_group ? p->group_index : 0;
        a->flags = fl | (p->in_group ? MW_ADDR_IN_GROUP : 0u);
    }
    p->count++;
    if (p->in_group)
        p->group_members++;
}

static void end_group(aparse *p, uint32_t extra)
{
    sref none = {p->st->len, 0};
    if (!p->in_group)
        return;
    if (p->group_members == 0)
        emit(p, &none, &none, MW_ADDR_EMPTY_GROUP | extra);
    else if (p->count <= p->cap)
        p->out[p->count - 1].flags |= extra;
    p->in_group = 0;
}

/* ---- phrases (display names, group names) ---- */

static mw_status phrase_qstring(aparse *p, const alex *l, const atok *t,
                                uint32_t *fl)
{
    size_t a, b, start = p->st->len;
    uint32_t f2047 = 0;
    token_inner(l, t, &a, &b);
    mw_status st = mwi_unquote(l->s + a, b - a, 1, p->st);
    if (st != MW_OK)
        return st;
    if (!memchr(l->s + a, '?', b - a))
        return mwi_convert_tail(p->st, start, "utf-8", 5, NULL);
    /* RFC 2047 forbids encoded words in quoted strings; mail readers
     * decode them anyway, and so does this parser. */
    st = mwi_decode_2047_tail(p->st, start, p->hook, &f2047);
    if (f2047 & MW_2047_DECODED)
        *fl |= MW_ADDR_QUOTED_ENCODED;
    if (f2047 & MW_2047_UNDECODED)
        *fl |= MW_ADDR_UNDECODED_NAME;
    return st;
}

/* One word of a phrase that is not an encoded word. */
static mw_status phrase_word(aparse *p, const alex *l, const atok *t,
                             uint32_t *fl)
{
    size_t replaced = 0;
    if (t->kind == A_QSTR)
        return phrase_qstring(p, l, t, fl);
    if (t->kind == A_SPECIAL || t->kind == A_DLIT)
        *fl |= MW_ADDR_OBS_PHRASE; /* "John Q. Public", "a@b <a@b>" */
    mw_status st =
        mw_utf8_sanitize(l->s + t->start, t->end - t->start, p->st, &replaced);
    if (replaced)
        *fl |= MW_ADDR_REPLACED;
    return st;
}

static int is_encoded_word(const atok *t)
{
    return t->kind == A_ATOM && t->ew;
}

/*
 * A run of adjacent encoded words (only whitespace or comments between
 * them) is decoded as one unstructured text, as a Subject is: the space
 * between the words is dropped (RFC 2047 6.2) and the bytes of words in
 * one charset are joined before conversion, so a UTF-8 character that a
 * mailer split between two words survives. *t is the run's first word
 * and receives the token after the run.
 */
static mw_status phrase_encoded_run(aparse *p, alex *l, atok *t, uint32_t *fl)
{
    size_t run_start = p->st->len;
    uint32_t f2047 = 0;
    mw_status st = mw_buf_append(p->st, l->s + t->start, t->end - t->start);
    for (lex_next(l, t); st == MW_OK && is_encoded_word(t); lex_next(l, t)) {
        st = mw_buf_append_byte(p->st, ' ');
        if (st == MW_OK)
            st = mw_buf_append(p->st, l->s + t->start, t->end - t->start);
    }
    if (st == MW_OK)
        st = mwi_decode_2047_tail(p->st, run_start, p->hook, &f2047);
    if (f2047 & MW_2047_DECODED)
        *fl |= MW_ADDR_ENCODED_NAME;
    if (f2047 & MW_2047_UNDECODED)
        *fl |= MW_ADDR_UNDECODED_NAME;
    return st;
}

/* Decode the phrase in value[a..b) into the storage. */
static mw_status build_phrase(aparse *p, size_t a, size_t b, sref *out,
                              uint32_t *fl)
{
    alex l = p->lx;
    atok t;
    l.pos = a;
    l.len = b;
    out->off = p->st->len;
    lex_next(&l, &t);
    while (t.kind != A_END) {
        mw_status st = MW_OK;
        if (t.ws_before && p->st->len > out->off)
            st = mw_buf_append_byte(p->st, ' ');
        if (st == MW_OK && is_encoded_word(&t)) {
            st = phrase_encoded_run(p, &l, &t, fl);
        } else if (st == MW_OK) {
            st = phrase_word(p, &l, &t, fl);
            lex_next(&l, &t);
        }
        if (st != MW_OK)
            return st;
    }
    out->len = p->st->len - out->off;
    return MW_OK;
}

/* ---- addr-spec ---- */

/* Dot-atom (RFC 5322 3.2.3) with UTF-8 allowed (RFC 6532). */
static int is_dot_atom(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '.' ? s[i + 1] == '.' : !mwi_is_atext(c))
            return 0;
    }
    return 1;
}

/* Rewrite storage[off..) as a quoted string unless it is a dot-atom. */
static mw_status canonical_local(aparse *p, size_t off)
{
    size_t n = p->st->len - off, extra = 2;
    if (is_dot_atom(mwi_at(p->st, off), n))
        return MW_OK;
    for (size_t i = 0; i < n; i++)
        if (p->st->data[off + i] == '"' || p->st->data[off + i] == '\\')
            extra++;
    mw_status st = mw_buf_reserve(p->st, n + extra);
    if (st != MW_OK)
        return st;
    const char *src = p->st->data + off;
    char *w = p->st->data + p->st->len;
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '"' || src[i] == '\\')
            *w++ = '\\';
        *w++ = src[i];
    }
    *w++ = '"';
    size_t mid = p->st->len;
    p->st->len = (size_t)(w - p->st->data);
    mwi_out_move_tail(p->st, off, mid);
    return MW_OK;
}

/* Words and dots up to '@': quoted strings unquoted, comments and
 * folding dropped (obs-local-part). Whitespace between two words without
 * a dot is kept as a space (flagged), so nothing is silently merged. */
static mw_status build_local(aparse *p, alex *l, atok *t, uint32_t *fl,
                             int *words)
{
    int prev_word = 0;
    *words = 0;
    for (lex_next(l, t); t->kind != A_END && !is_special(t, "@");
         lex_next(l, t)) {
        mw_status st = MW_OK;
        int word = t->kind == A_ATOM || t->kind == A_QSTR;
        size_t a = t->start, b = t->end;
        if (!word && !is_special(t, ".")) {
            *fl |= MW_ADDR_JUNK;
            continue;
        }
        if (word && prev_word && t->ws_before) {
            *fl |= MW_ADDR_JUNK;
            st = mw_buf_append_byte(p->st, ' ');
        }
        if (t->kind == A_QSTR) {
            token_inner(l, t, &a, &b);
            if (st == MW_OK)
                st = mwi_unquote(l->s + a, b - a, 1, p->st);
        } else if (st == MW_OK) {
            st = mw_buf_append(p->st, l->s + a, b - a);
        }
        if (st != MW_OK)
            return st;
        prev_word = word;
        *words += word;
    }
    return MW_OK;
}

/* A domain literal with its folding whitespace removed. */
static mw_status append_literal(aparse *p, const alex *l, const atok *t)
{
    size_t a, b;
    mw_status st = mw_buf_append_byte(p->st, '[');
    token_inner(l, t, &a, &b);
    for (size_t i = a; i < b && st == MW_OK; i++)
        if (!mwi_is_fws((unsigned char)l->s[i]))
            st = mw_buf_append_byte(p->st, (uint8_t)l->s[i]);
    return st == MW_OK ? mw_buf_append_byte(p->st, ']') : st;
}

/* Atoms and dots (obs-domain allows CFWS between them) or a literal. */
static mw_status build_domain(aparse *p, alex *l, uint32_t *fl)
{
    atok t;
    for (lex_next(l, &t); t.kind != A_END; lex_next(l, &t)) {
        mw_status st = MW_OK;
        if (t.kind == A_ATOM || is_special(&t, "."))
            st = mw_buf_append(p->st, l->s + t.start, t.end - t.start);
        else if (t.kind == A_DLIT) {
            *fl |= MW_ADDR_DOMAIN_LITERAL;
            st = append_literal(p, l, &t);
        } else
            *fl |= MW_ADDR_JUNK; /* a second '@', stray specials */
        if (st != MW_OK)
            return st;
    }
    return MW_OK;
}

static int has_8bit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)s[i] >= 0x80)
            return 1;
    return 0;
}

/* Build the canonical local@domain of value[a..b) into the storage. */
static mw_status build_addr_spec(aparse *p, size_t a, size_t b, sref *out,
                                 uint32_t *fl)
{
    alex l = p->lx;
    atok t;
    l.pos = a;
    l.len = b;
    out->off = p->st->len;
    int words;
    mw_status st = build_local(p, &l, &t, fl, &words);
    int empty = words == 0 && t.kind == A_END;
    if (st == MW_OK && !empty) /* nothing at all stays empty, not "" */
        st = canonical_local(p, out->off);
    if (st == MW_OK && t.kind != A_END)
        st = mw_buf_append_byte(p->st, '@');
    size_t dom = p->st->len;
    if (st == MW_OK && t.kind != A_END)
        st = build_domain(p, &l, fl);
    if (st != MW_OK)
        return st;
    if (p->st->len == dom) {
        /* No domain: a bare local part (or "user@"). */
        *fl |= MW_ADDR_NO_DOMAIN;
        mwi_out_truncate(p->st,
                         dom > out->off && t.kind != A_END ? dom - 1 : dom);
    }
    out->len = p->st->len - out->off;
    if (has_8bit(mwi_at(p->st, out->off), out->len))
        *fl |= MW_ADDR_UTF8;
    return MW_OK;
}

/* ---- elements ---- */

static void scan_prefix(aparse *p, atok *term, int *saw_at)
{
    *saw_at = 0;
    for (;;) {
        lex_next(&p->lx, term);
        if (term->kind == A_END || is_special(term, ",;<"))
            return;
        /* A group starts at ':' only outside a group and before any '@';
         * groups do not nest, so any other ':' is just junk. */
        if (is_special(term, ":") && !p->in_group && !*saw_at)
            return;
        if (is_special(term, "@"))
            *saw_at = 1;
    }
}

static mw_status start_group(aparse *p, size_t a, size_t colon)
{
    sref name;
    uint32_t fl = 0;
    mw_status st = build_phrase(p, a, colon, &name, &fl);
    if (st != MW_OK)
        return st;
    p->in_group = 1;
    p->group_index++;
    p->group_off = name.off;
    p->group_len = name.len;
    p->group_members = 0;
    return MW_OK;
}

/* Skip an obsolete route "@a,@b:" after '<' (RFC 5322 4.4); when no ':'
 * follows, it was not a route and the lexer is put back. */
static void skip_route(aparse *p)
{
    alex save = p->lx;
    atok t;
    lex_next(&p->lx, &t);
    if (!is_special(&t, "@")) {
        p->lx = save;
        return;
    }
    while (t.kind != A_END && !is_special(&t, ":>;<")) {
        lex_next(&p->lx, &t);
    }
    if (is_special(&t, ":"))
        p->flags |= MW_ADDR_ROUTE;
    else
        p->lx = save;
}

/* After '>': anything before the next ',' or ';' is junk. */
static void skip_to_terminator(aparse *p, atok *term)
{
    for (lex_next(&p->lx, term); term->kind != A_END; lex_next(&p->lx, term)) {
        if (is_special(term, ",;"))
            return;
        p->flags |= MW_ADDR_JUNK;
    }
}

static mw_status angle_element(aparse *p, size_t a, size_t lt, atok *term)
{
    sref name, spec;
    atok t;
    mw_status st = build_phrase(p, a, lt, &name, &p->flags);
    if (st != MW_OK)
        return st;
    skip_route(p);
    size_t spec_start = p->lx.pos;
    do
        lex_next(&p->lx, &t);
    while (t.kind != A_END && !is_special(&t, ">,;"));
    if (is_special(&t, ">")) {
        skip_to_terminator(p, term);
    } else {
        p->flags |= MW_ADDR_UNCLOSED; /* missing '>': ends at ',' or end */
        *term = t;
    }
    st = build_addr_spec(p, spec_start, t.start, &spec, &p->flags);
    if (st != MW_OK)
        return st;
    if (spec.len == 0 && name.len == 0)
        return MW_OK; /* "<>" carries no mailbox */
    emit(p, &name, &spec, p->flags | p->lx.flags);
    return MW_OK;
}

/* Whether value[a..b) has words, and whether it reads as a phrase (two
 * words separated by whitespace, no dot between) rather than an address. */
static void classify_range(const aparse *p, size_t a, size_t b, int *words,
                           int *phrase)
{
    alex l = p->lx;
    atok t;
    int prev_word = 0;
    l.pos = a;
    l.len = b;
    *words = *phrase = 0;
    for (lex_next(&l, &t); t.kind != A_END; lex_next(&l, &t)) {
        int word = t.kind == A_ATOM || t.kind == A_QSTR;
        if (word && prev_word && t.ws_before)
            *phrase = 1;
        *words += word;
        prev_word = word;
    }
}

static mw_status bare_element(aparse *p, size_t a, size_t b, int saw_at)
{
    sref name = {p->st->len, 0}, spec = {p->st->len, 0};
    int words, phrase;
    mw_status st;
    classify_range(p, a, b, &words, &phrase);
    if (words == 0)
        return MW_OK; /* empty element (",,") or only junk: skipped */
    if (!saw_at && phrase) {
        /* "John Smith" alone: a name without an address. */
        st = build_phrase(p, a, b, &name, &p->flags);
        spec.off = p->st->len;
        p->flags |= MW_ADDR_NO_DOMAIN;
    } else {
        st = build_addr_spec(p, a, b, &spec, &p->flags);
    }
    if (st == MW_OK)
        emit(p, &name, &spec, p->flags | p->lx.flags);
    return st;
}

static mw_status parse_element(aparse *p)
{
    atok term;
    int saw_at;
    size_t start = p->lx.pos;
    mw_status st;
    p->flags = 0;
    p->lx.flags = 0;
    scan_prefix(p, &term, &saw_at);
    if (p->lx.err != MW_OK)
        return p->lx.err;
    if (is_special(&term, ":"))
        return start_group(p, start, term.start);
    if (is_special(&term, "<"))
        st = angle_element(p, start, term.start, &term);
    else
        st = bare_element(p, start, term.start, saw_at);
    if (st == MW_OK && p->lx.err != MW_OK)
        st = p->lx.err;
    if (st == MW_OK && is_special(&term, ";"))
        end_group(p, 0); /* a ';' outside a group acts as a ',' */
    return st;
}

static const mw_addr_config default_config = {NULL,
                                              MW_ADDR_COMMENT_DEPTH_DEFAULT, 0};

mw_status mw_addr_list_parse(const char *value, size_t len,
                             const mw_addr_config *cfg, mw_buf *storage,
                             mw_address *out, size_t cap, size_t *count_out)
{
    aparse p;
    if (!storage || !count_out || (!value && len) || (!out && cap))
        return MW_E_ARG;
    if (!cfg)
        cfg = &default_config;
    memset(&p, 0, sizeof(p));
    p.lx.s = value;
    p.lx.len = value ? len : 0;
    p.lx.depth_max = cfg->comment_depth_max ? cfg->comment_depth_max
                                            : MW_ADDR_COMMENT_DEPTH_DEFAULT;
    p.hook = cfg->charset_hook;
    p.st = storage;
    p.out = out;
    p.cap = cap;
    size_t start = storage->len;
    mw_status st = MW_OK;
    while (st == MW_OK && p.lx.pos < p.lx.len)
        st = parse_element(&p);
    if (st == MW_OK)
        end_group(&p, MW_ADDR_UNCLOSED_GROUP);
    *count_out = p.count;
    if (st == MW_OK && p.count > cap)
        st = MW_E_NOSPACE;
    if (st != MW_OK)
        return mwi_out_fail(storage, start, st, mwi_decode_bound(len) + 64);
    fix_spans(&p);
    return MW_OK;
}

/* ---- serializer ---- */

static int has_line_break(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return 1;
    return 0;
}

/* Length of a valid quoted-string local part at s, or 0. */
static size_t quoted_local_len(const char *s, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '"')
            return i + 1;
        if (c == '\\') {
            if (++i >= n)
                return 0;
            c = (uint8_t)s[i];
            if ((c < 0x20 && c != '\t') || c == 0x7F)
                return 0;
        } else if ((c < 0x20 && c != '\t') || c == 0x7F) {
            return 0;
        }
    }
    return 0;
}

static int is_domain_literal(const char *s, size_t n)
{
    if (n < 2 || s[0] != '[' || s[n - 1] != ']')
        return 0;
    for (size_t i = 1; i + 1 < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 33 || c == '[' || c == ']' || c == '\\' || c == 0x7F)
            return 0;
    }
    return 1;
}

static mw_status check_addr_spec(const char *s, size_t n, uint32_t flags)
{
    size_t local = 0;
    if (n > 0 && s[0] == '"')
        local = quoted_local_len(s, n);
    else
        while (local < n && s[local] != '@')
            local++;
    if (local == 0 || (s[0] != '"' && !is_dot_atom(s, local)))
        return MW_E_SYNTAX;
    if (local == n && !(flags & MW_ADDR_FMT_NO_DOMAIN))
        return MW_E_SYNTAX;
    if (local < n) {
        const char *d = s + local + 1;
        size_t dn = n - local - 1;
        if (s[local] != '@' ||
            !(is_dot_atom(d, dn) || is_domain_literal(d, dn)))
            return MW_E_SYNTAX;
    }
    if (has_8bit(s, n) &&
        (!(flags & MW_ADDR_FMT_UTF8) || !mw_utf8_is_valid(s, n, NULL)))
        return MW_E_ENCODING;
    return MW_OK;
}

enum name_form { NAME_ATOMS, NAME_QUOTED, NAME_ENCODED };

static enum name_form display_form(const char *s, size_t n, uint32_t flags)
{
    int atoms = s[0] != ' ' && s[n - 1] != ' ';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c >= 0x80 && !(flags & MW_ADDR_FMT_UTF8))
            return NAME_ENCODED;
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return NAME_ENCODED; /* controls cannot be quoted */
        /* Text that reads as an encoded word must be encoded itself, or
         * readers would decode it. */
        if (c == '=' && i + 1 < n && s[i + 1] == '?')
            return NAME_ENCODED;
        if (c == ' ' ? (i + 1 < n && s[i + 1] == ' ') : !mwi_is_atext(c))
            atoms = 0;
    }
    return atoms ? NAME_ATOMS : NAME_QUOTED;
}

static mw_status write_quoted(const char *s, size_t n, mw_buf *out)
{
    size_t extra = 2;
    for (size_t i = 0; i < n; i++)
        extra += s[i] == '"' || s[i] == '\\';
    mw_status st = mw_buf_reserve(out, n + extra);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            *w++ = '\\';
        *w++ = s[i];
    }
    *w++ = '"';
    out->len = (size_t)(w - out->data);
    return MW_OK;
}

static mw_status write_display(const char *s, size_t n, uint32_t flags,
                               mw_buf *out)
{
    switch (display_form(s, n, flags)) {
    case NAME_ATOMS:
        return mw_buf_append(out, s, n);
    case NAME_QUOTED:
        return write_quoted(s, n, out);
    default:
        return mw_rfc2047_encode(s, n, MW_2047_PHRASE | MW_2047_NO_FOLD, 0,
                                 out);
    }
}

mw_status mw_addr_format(const char *display_name, size_t display_len,
                         const char *addr_spec, size_t addr_len, uint32_t flags,
                         mw_buf *out)
{
    if (!out || !addr_spec || (!display_name && display_len))
        return MW_E_ARG;
    if (has_line_break(display_name, display_len) ||
        has_line_break(addr_spec, addr_len))
        return MW_E_CRLF; /* header injection */
    mw_status st = check_addr_spec(addr_spec, addr_len, flags);
    if (st != MW_OK)
        return st;
    if (display_len && !mw_utf8_is_valid(display_name, display_len, NULL))
        return MW_E_ENCODING;
    size_t start = out->len;
    if (display_len == 0)
        return mw_buf_append(out, addr_spec, addr_len);
    st = write_display(display_name, display_len, flags, out);
    if (st == MW_OK)
        st = mw_buf_append(out, " <", 2);
    if (st == MW_OK)
        st = mw_buf_append(out, addr_spec, addr_len);
    if (st == MW_OK)
        st = mw_buf_append_byte(out, '>');
    if (st != MW_OK)
        return mwi_out_fail(out, start, st, 4 * display_len + 64 + addr_len);
    return MW_OK;
}
