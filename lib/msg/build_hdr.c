/* Message builder: header fields (addresses, Subject, Date, msg-ids,
 * custom fields) and folding. */
#include <string.h>

#include "build_int.h"

int mwi_build_has_crlf(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
            return 1;
    return 0;
}

static int has_nonascii(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)p[i] >= 0x80)
            return 1;
    return 0;
}

/* Length of the token starting at v[i]: a run without WSP, where WSP
 * inside a quoted string does not count when quote_aware. */
static size_t token_end(const char *v, size_t len, size_t i, int quote_aware)
{
    int in_quote = 0;
    while (i < len) {
        char c = v[i];
        if (quote_aware && in_quote && c == '\\' && i + 1 < len) {
            i += 2;
            continue;
        }
        if (quote_aware && c == '"')
            in_quote = !in_quote;
        else if (!in_quote && mwi_is_wsp((uint8_t)c))
            break;
        i++;
    }
    return i > len ? len : i;
}

mw_status mwi_build_fold(mw_buf *out, const char *name, const char *value,
                         size_t len, int quote_aware)
{
    size_t start = out->len;
    size_t name_len = strlen(name);
    size_t col = name_len + 1;
    mw_status st = mw_buf_append(out, name, name_len);
    if (st == MW_OK)
        st = mw_buf_append_byte(out, ':');
    int first = 1;
    size_t i = 0;
    while (st == MW_OK && i < len) {
        size_t ws = i;
        while (i < len && mwi_is_wsp((uint8_t)value[i]))
            i++;
        size_t tk = i;
        i = token_end(value, len, i, quote_aware);
        size_t seg = i - ws;
        if (first) {
            st = mw_buf_append_byte(out, ' ');
            col++;
            first = 0;
        } else if (col + seg > MWI_FOLD_COLS && tk > ws && i > tk) {
            /* Fold before the whitespace: unfolding gives it back. */
            st = mw_buf_append(out, "\r\n", 2);
            col = 0;
        }
        if (st == MW_OK)
            st = mw_buf_append(out, value + ws, seg);
        col += seg;
        if (col > MWI_LINE_MAX)
            st = MW_E_LIMIT;
    }
    if (st == MW_OK)
        st = mw_buf_append(out, "\r\n", 2);
    if (st != MW_OK)
        mwi_out_truncate(out, start);
    return st;
}

/* Whether an unstructured value must be written as encoded words. */
static int needs_encoded_words(const char *v, size_t len, int utf8_ok)
{
    if (len == 0)
        return 0;
    if (mwi_is_wsp((uint8_t)v[0]) || mwi_is_wsp((uint8_t)v[len - 1]))
        return 1; /* leading/trailing blanks would be lost when read */
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return 1;
        if (c >= 0x80 && !utf8_ok)
            return 1;
        if (c == '=' && i + 1 < len && v[i + 1] == '?')
            return 1;
        run = mwi_is_wsp(c) ? 0 : run + 1;
        if (run > MWI_FOLD_COLS - 2)
            return 1; /* a word that no fold can bring under 78 */
    }
    return 0;
}

/* Append an unstructured field (Subject, custom fields). */
static mw_status write_unstructured(mw_buf *out, const char *name,
                                    const char *v, size_t len, int utf8_ok)
{
    if (len > 0 && !v)
        return MW_E_ARG;
    if (mwi_build_has_crlf(v, len))
        return MW_E_CRLF;
    if (has_nonascii(v, len) && !mw_utf8_is_valid(v, len, NULL))
        return MW_E_ENCODING;
    if (!needs_encoded_words(v, len, utf8_ok))
        return mwi_build_fold(out, name, v, len, 0);
    size_t start = out->len;
    size_t name_len = strlen(name);
    mw_status st = mw_buf_append(out, name, name_len);
    if (st == MW_OK)
        st = mw_buf_append(out, ": ", 2);
    if (st == MW_OK)
        st = mw_rfc2047_encode(v, len, 0, name_len + 2, out);
    if (st == MW_OK)
        st = mw_buf_append(out, "\r\n", 2);
    if (st != MW_OK)
        mwi_out_truncate(out, start);
    return st;
}

static mw_status check_header_state(const mw_builder *b)
{
    if (!b)
        return MW_E_ARG;
    return b->state == MWI_BS_HEADERS ? MW_OK : MW_E_STATE;
}

static mw_status record_recipient(mw_builder *b, const char *addr, size_t len)
{
    if (len > 0xFFFFu)
        return MW_E_LIMIT;
    uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)(len & 0xFFu)};
    size_t start = b->rcpt.len;
    mw_status st = mw_buf_append(&b->rcpt, hdr, 2);
    if (st == MW_OK)
        st = mw_buf_append(&b->rcpt, addr, len);
    if (st != MW_OK) {
        mwi_out_truncate(&b->rcpt, start);
        return st;
    }
    b->rcpt_count++;
    return MW_OK;
}

static int address_slot(uint32_t field)
{
    switch (field) {
    case MW_BUILD_FROM:
        return MWI_SLOT_FROM;
    case MW_BUILD_SENDER:
        return MWI_SLOT_SENDER;
    case MW_BUILD_TO:
        return MWI_SLOT_TO;
    case MW_BUILD_CC:
        return MWI_SLOT_CC;
    case MW_BUILD_REPLY_TO:
        return MWI_SLOT_REPLY_TO;
    default:
        return -1;
    }
}

mw_status mw_builder_add_address(mw_builder *b, uint32_t field,
                                 const char *name, size_t name_len,
                                 const char *addr, size_t addr_len)
{
    mw_status st = check_header_state(b);
    if (st != MW_OK)
        return st;
    if ((name_len > 0 && !name) || !addr || addr_len == 0)
        return MW_E_ARG;
    int slot = address_slot(field);
    if (slot < 0 && field != MW_BUILD_BCC)
        return MW_E_ARG;
    if (mwi_build_has_crlf(name, name_len) ||
        mwi_build_has_crlf(addr, addr_len))
        return MW_E_CRLF;
    if (slot == MWI_SLOT_SENDER && b->slots[slot].len > 0)
        return MW_E_STATE;
    uint32_t fmt = (b->flags & MW_BUILD_SMTPUTF8) ? MW_ADDR_FMT_UTF8 : 0u;
    mw_buf_clear(&b->tmp);
    st = mw_addr_format(name, name_len, addr, addr_len, fmt, &b->tmp);
    if (st != MW_OK)
        return st;
    int envelope =
        field == MW_BUILD_TO || field == MW_BUILD_CC || field == MW_BUILD_BCC;
    if (envelope) {
        st = record_recipient(b, addr, addr_len);
        if (st != MW_OK)
            return st;
    }
    if (slot < 0)
        return MW_OK; /* Bcc: envelope only */
    mw_buf *s = &b->slots[slot];
    size_t start = s->len;
    if (slot == MWI_SLOT_SENDER)
        st = mwi_build_fold(s, "Sender", b->tmp.data, b->tmp.len, 1);
    else {
        if (s->len > 0)
            st = mw_buf_append(s, ", ", 2);
        if (st == MW_OK)
            st = mw_buf_append(s, b->tmp.data, b->tmp.len);
    }
    if (st != MW_OK) {
        mwi_out_truncate(s, start);
        return st;
    }
    if (field == MW_BUILD_FROM)
        b->from_count++;
    return MW_OK;
}

/* Replace a single-line slot with what fill() writes. */
static mw_status replace_slot(mw_builder *b, int slot)
{
    mw_buf *s = &b->slots[slot];
    mw_buf_clear(s);
    return mw_buf_append(s, b->tmp.data, b->tmp.len);
}

mw_status mw_builder_set_subject(mw_builder *b, const char *text, size_t len)
{
    mw_status st = check_header_state(b);
    if (st != MW_OK)
        return st;
    mw_buf_clear(&b->tmp);
    st = write_unstructured(&b->tmp, "Subject", text, len,
                            (b->flags & MW_BUILD_SMTPUTF8) != 0);
    return st == MW_OK ? replace_slot(b, MWI_SLOT_SUBJECT) : st;
}

mw_status mw_builder_set_date(mw_builder *b, const mw_datetime *dt)
{
    mw_status st = check_header_state(b);
    if (st != MW_OK)
        return st;
    if (!dt)
        return MW_E_ARG;
    mw_buf_clear(&b->tmp);
    st = mw_buf_append(&b->tmp, "Date: ", 6);
    if (st == MW_OK)
        st = mw_datetime_format_rfc5322(dt, &b->tmp);
    if (st == MW_OK)
        st = mw_buf_append(&b->tmp, "\r\n", 2);
    return st == MW_OK ? replace_slot(b, MWI_SLOT_DATE) : st;
}

/* Append "<id>" to tmp after validating it. */
static mw_status format_msgid(mw_builder *b, const char *id, size_t len)
{
    if (!id || len == 0)
        return MW_E_ARG;
    if (mwi_build_has_crlf(id, len))
        return MW_E_CRLF;
    return mw_msgid_format(id, len, &b->tmp);
}

mw_status mw_builder_set_message_id(mw_builder *b, const char *id, size_t len)
{
    mw_status st = check_header_state(b);
    if (st != MW_OK)
        return st;
    mw_buf_clear(&b->tmp);
    st = format_msgid(b, id, len);
    if (st != MW_OK)
        return st;
    mw_buf *s = &b->slots[MWI_SLOT_MSGID];
    mw_buf_clear(s);
    return mwi_build_fold(s, "Message-ID", b->tmp.data, b->tmp.len, 0);
}

mw_status mw_builder_set_message_id_random(mw_builder *b, const void *random,
                                           size_t random_len,
                                           const char *domain,
                                           size_t domain_len)
{
    static const char hex[] = "0123456789abcdef";
    if (!b || !random || random_len < 8 || random_len > 64 || !domain)
        return MW_E_ARG;
    if (mwi_build_has_crlf(domain, domain_len))
        return MW_E_CRLF;
    if (domain_len > 255)
        return MW_E_SYNTAX;
    char id[128 + 1 + 255];
    const uint8_t *r = random;
    size_t n = 0;
    for (size_t i = 0; i < random_len; i++) {
        id[n++] = hex[r[i] >> 4];
        id[n++] = hex[r[i] & 0xFu];
    }
    id[n++] = '@';
    memcpy(id + n, domain, domain_len);
    return mw_builder_set_message_id(b, id, n + domain_len);
}

mw_status mw_builder_add_msgid(mw_builder *b, uint32_t field, const char *id,
                               size_t len)
{
    mw_status st = check_header_state(b);
    if (st != MW_OK)
        return st;
    int slot = field == MW_BUILD_IN_REPLY_TO  ? MWI_SLOT_IRT
               : field == MW_BUILD_REFERENCES ? MWI_SLOT_REFS
                                              : -1;
    if (slot < 0)
        return MW_E_ARG;
    mw_buf_clear(&b->tmp);
    st = format_msgid(b, id, len);
    if (st != MW_OK)
        return st;
    mw_buf *s = &b->slots[slot];
    size_t start = s->len;
    if (s->len > 0)
        st = mw_buf_append_byte(s, ' ');
    if (st == MW_OK)
        st = mw_buf_append(s, b->tmp.data, b->tmp.len);
    if (st != MW_OK)
        mwi_out_truncate(s, start);
    return st;
}

/* Names the builder writes itself (matched ignoring case). */
static int reserved_name(const char *name, size_t len)
{
    static const char *const names[] = {
        "from",       "sender",      "to",         "cc",
        "bcc",        "reply-to",    "subject",    "date",
        "message-id", "in-reply-to", "references", "mime-version"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mwi_ieq(name, len, names[i]))
            return 1;
    return len >= 8 && mwi_ieq(name, 8, "content-");
}

mw_status mw_builder_add_header(mw_builder *b, const char *name,
                                size_t name_len, const char *value,
                                size_t value_len)
{
    mw_status st = check_header_state(b);
    if (st != MW_OK)
        return st;
    if (!name || (value_len > 0 && !value))
        return MW_E_ARG;
    if (mwi_build_has_crlf(name, name_len) ||
        mwi_build_has_crlf(value, value_len))
        return MW_E_CRLF;
    if (name_len == 0 || name_len > 76)
        return MW_E_SYNTAX;
    for (size_t i = 0; i < name_len; i++) {
        uint8_t c = (uint8_t)name[i];
        if (c < 33 || c > 126 || c == ':')
            return MW_E_SYNTAX; /* RFC 5322 ftext */
    }
    if (reserved_name(name, name_len))
        return MW_E_ARG;
    char cname[77];
    memcpy(cname, name, name_len);
    cname[name_len] = '\0';
    mw_buf_clear(&b->tmp);
    st = write_unstructured(&b->tmp, cname, value, value_len,
                            (b->flags & MW_BUILD_SMTPUTF8) != 0);
    if (st != MW_OK)
        return st;
    return mw_buf_append(&b->slots[MWI_SLOT_CUSTOM], b->tmp.data, b->tmp.len);
}

static const char *slot_name(int slot)
{
    switch (slot) {
    case MWI_SLOT_FROM:
        return "From";
    case MWI_SLOT_REPLY_TO:
        return "Reply-To";
    case MWI_SLOT_TO:
        return "To";
    case MWI_SLOT_CC:
        return "Cc";
    case MWI_SLOT_IRT:
        return "In-Reply-To";
    case MWI_SLOT_REFS:
        return "References";
    default:
        return NULL; /* slot holds complete lines */
    }
}

mw_status mwi_build_flush_headers(mw_builder *b, int with_mime)
{
    if (b->from_count == 0 ||
        (b->from_count > 1 && b->slots[MWI_SLOT_SENDER].len == 0))
        return MW_E_STATE; /* RFC 5322 3.6.2 */
    size_t start = b->out.len;
    mw_status st = MW_OK;
    for (int i = 0; i < MWI_SLOT_COUNT && st == MW_OK; i++) {
        const mw_buf *s = &b->slots[i];
        if (s->len == 0)
            continue;
        const char *name = slot_name(i);
        if (name)
            st = mwi_build_fold(&b->out, name, s->data, s->len,
                                i != MWI_SLOT_IRT && i != MWI_SLOT_REFS);
        else
            st = mw_buf_append(&b->out, s->data, s->len);
    }
    if (st == MW_OK && with_mime)
        st = mw_buf_append_str(&b->out, "MIME-Version: 1.0\r\n");
    if (st != MW_OK)
        mwi_out_truncate(&b->out, start);
    return st;
}
