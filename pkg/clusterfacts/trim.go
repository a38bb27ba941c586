package clusterfacts

import "bytes"

// DropManagedFields removes metadata.managedFields from a JSON object as
// the API server returns it: server-side apply's bookkeeping, which no
// rule reads and which makes up to half of a pod's bytes. Everything else
// is left byte for byte; a document it cannot follow is returned as it
// is.
func DropManagedFields(js []byte) []byte {
	meta := memberValue(js, 0, "metadata")
	if meta < 0 || js[meta] != '{' {
		return js
	}
	key := memberKey(js, meta, "managedFields")
	if key < 0 {
		return js
	}
	colon := skipSpace(js, stringEnd(js, key))
	if colon >= len(js) || js[colon] != ':' {
		return js
	}
	end := valueEnd(js, skipSpace(js, colon+1))
	if end < 0 {
		return js
	}
	from, to := key, end
	if next := skipSpace(js, end); next < len(js) && js[next] == ',' {
		to = skipSpace(js, next+1) // "managedFields":[…], "x": …
	} else if prev := bytes.LastIndexByte(js[:key], ','); prev > meta && len(bytes.TrimSpace(js[prev+1:key])) == 0 {
		from = prev // …, "managedFields":[…]}
	}
	out := make([]byte, 0, len(js)-(to-from))
	return append(append(out, js[:from]...), js[to:]...)
}

// memberValue returns where the value of key starts in the object at
// obj, -1 when it has no such member.
func memberValue(js []byte, obj int, key string) int {
	k := memberKey(js, obj, key)
	if k < 0 {
		return -1
	}
	colon := skipSpace(js, stringEnd(js, k))
	if colon >= len(js) || js[colon] != ':' {
		return -1
	}
	return skipSpace(js, colon+1)
}

// memberKey returns where the key (its opening quote) of the member key
// of the object at obj is, -1 when there is none.
func memberKey(js []byte, obj int, key string) int {
	obj = skipSpace(js, obj)
	if obj >= len(js) || js[obj] != '{' {
		return -1
	}
	i := skipSpace(js, obj+1)
	for i < len(js) && js[i] == '"' {
		end := stringEnd(js, i)
		if end < 0 {
			return -1
		}
		if string(js[i+1:end-1]) == key {
			return i
		}
		colon := skipSpace(js, end)
		if colon >= len(js) || js[colon] != ':' {
			return -1
		}
		v := valueEnd(js, skipSpace(js, colon+1))
		if v < 0 {
			return -1
		}
		i = skipSpace(js, v)
		if i >= len(js) || js[i] != ',' {
			return -1
		}
		i = skipSpace(js, i+1)
	}
	return -1
}

// stringEnd returns the index past the closing quote of the string that
// starts at i, -1 if it does not end.
func stringEnd(js []byte, i int) int {
	for j := i + 1; j < len(js); j++ {
		switch js[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index past the value that starts at i, -1 if it
// does not end.
func valueEnd(js []byte, i int) int {
	if i >= len(js) {
		return -1
	}
	switch js[i] {
	case '"':
		return stringEnd(js, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(js); j++ {
			switch js[j] {
			case '"':
				e := stringEnd(js, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(js) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(js[j])) {
		j++
	}
	return j
}

func skipSpace(js []byte, i int) int {
	for i < len(js) && (js[i] == ' ' || js[i] == '\t' || js[i] == '\n' || js[i] == '\r') {
		i++
	}
	return i
}
