package manifest

import (
	"encoding"
	"encoding/base64"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Decoding a parsed document straight into its typed object, without JSON
// text in between: what sigs.k8s.io/json's strict decoder does with the
// JSON appendJSON writes, step for step (its decode.go: object, array,
// literalStore, indirect), for the cases Kubernetes types need. It
// declines (returns false) on any error and on what it does not mirror
// (interfaces, arrays, non-string map keys, ",string" fields, field names
// that Go's embedding rules would have to arbitrate); the caller then takes
// the JSON path, which reports the error or decodes the rest.

var (
	jsonUnmarshalerType = reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

type jsonUnmarshaler interface{ UnmarshalJSON([]byte) error }

// decoder holds the scratch buffer for JSON text handed to UnmarshalJSON,
// and the fields to decode when it decodes only some (see Fields).
type decoder struct {
	p       *fastParser
	scratch []byte
	fields  Fields
}

// decodeInto decodes the subtree at node i into v, which must be settable.
func (p *fastParser) decodeInto(i int, v reflect.Value) bool {
	return p.decodeFields(i, v, nil)
}

// decodeFields is decodeInto that, in a struct of a type fields lists,
// skips the known fields not listed.
func (p *fastParser) decodeFields(i int, v reflect.Value, fields Fields) bool {
	d := decoder{p: p, scratch: p.scratch[:0], fields: fields}
	ok := d.value(i, v)
	p.scratch = d.scratch[:0]
	return ok
}

func (d *decoder) value(i int, v reflect.Value) bool {
	switch d.p.nodes[i].kind {
	case fMap:
		return d.object(i, v)
	case fSeq:
		return d.array(i, v)
	}
	return d.literal(i, v)
}

// jsonText returns the JSON text of the subtree at i, valid until the next
// call.
func (d *decoder) jsonText(i int) ([]byte, bool) {
	js, ok := d.p.appendJSON(d.scratch[:0], i)
	d.scratch = js
	return js, ok
}

// indirect is sigs.k8s.io/json's indirect without interfaces (declined):
// it walks and allocates pointers down to a value, stopping early at a
// type with an UnmarshalJSON or UnmarshalText method.
func indirect(v reflect.Value, decodingNull bool) (jsonUnmarshaler, encoding.TextUnmarshaler, reflect.Value, bool) {
	if k := v.Kind(); k != reflect.Pointer && k != reflect.Interface {
		// The common case, without the walk: a value whose pointer has
		// neither method is itself the result.
		if t := v.Type(); t.Name() == "" || !v.CanAddr() {
			return nil, nil, v, true
		} else if m := methodsOf(reflect.PointerTo(t)); !m.json && (decodingNull || !m.text) {
			return nil, nil, v, true
		}
	}
	v0 := v
	haveAddr := false
	if v.Kind() != reflect.Pointer && v.Type().Name() != "" && v.CanAddr() {
		haveAddr = true
		v = v.Addr()
	}
	for {
		if v.Kind() == reflect.Interface {
			return nil, nil, v, false
		}
		if v.Kind() != reflect.Pointer {
			break
		}
		if decodingNull && v.CanSet() {
			break
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if t := v.Type(); t.NumMethod() > 0 && v.CanInterface() {
			m := methodsOf(t)
			if m.json {
				return v.Interface().(jsonUnmarshaler), nil, reflect.Value{}, true
			}
			if !decodingNull && m.text {
				return nil, v.Interface().(encoding.TextUnmarshaler), reflect.Value{}, true
			}
		}
		if haveAddr {
			v = v0
			haveAddr = false
		} else {
			v = v.Elem()
		}
	}
	return nil, nil, v, true
}

// methods says which decoding methods a type has.
type methods struct{ json, text bool }

var methodCache sync.Map // reflect.Type -> methods: Implements is not cached by reflect

func methodsOf(t reflect.Type) methods {
	if m, ok := methodCache.Load(t); ok {
		return m.(methods)
	}
	m := methods{json: t.Implements(jsonUnmarshalerType), text: t.Implements(textUnmarshalerType)}
	methodCache.Store(t, m)
	return m
}

func (d *decoder) object(i int, v reflect.Value) bool {
	u, ut, v, ok := indirect(v, false)
	switch {
	case !ok || ut != nil:
		return false
	case u != nil:
		js, ok := d.jsonText(i)
		return ok && u.UnmarshalJSON(js) == nil
	}
	p := d.p
	if p.hasDuplicateKey(i) {
		return false
	}
	end := int(p.nodes[i].next)
	switch v.Kind() {
	case reflect.Map:
		t := v.Type()
		kt := t.Key()
		if kt.Kind() != reflect.String || reflect.PointerTo(kt).Implements(textUnmarshalerType) {
			return false
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		var elem reflect.Value
		for k := i + 1; k < end; k = int(p.nodes[k+1].next) {
			if !elem.IsValid() {
				elem = reflect.New(t.Elem()).Elem()
			} else {
				elem.SetZero()
			}
			if !d.value(k+1, elem) {
				return false
			}
			kv := reflect.New(kt).Elem()
			kv.SetString(string(p.text(&p.nodes[k])))
			v.SetMapIndex(kv, elem)
		}
		return true
	case reflect.Struct:
		plan := structPlanOf(v.Type())
		if plan == nil {
			return false
		}
		var only map[string]bool
		if d.fields != nil {
			only = d.fields[v.Type()]
		}
		for k := i + 1; k < end; k = int(p.nodes[k+1].next) {
			name := p.text(&p.nodes[k])
			f := plan.fields[string(name)]
			if f == nil {
				return false // an unknown field: a strict error
			}
			if only != nil && !only[string(name)] {
				continue
			}
			sub := v
			for _, ind := range f.index {
				if sub.Kind() == reflect.Pointer {
					if sub.IsNil() {
						if !sub.CanSet() {
							return false
						}
						sub.Set(reflect.New(sub.Type().Elem()))
					}
					sub = sub.Elem()
				}
				sub = sub.Field(ind)
			}
			if !d.value(k+1, sub) {
				return false
			}
		}
		return true
	}
	return false
}

func (d *decoder) array(i int, v reflect.Value) bool {
	u, ut, v, ok := indirect(v, false)
	switch {
	case !ok || ut != nil:
		return false
	case u != nil:
		js, ok := d.jsonText(i)
		return ok && u.UnmarshalJSON(js) == nil
	}
	if v.Kind() != reflect.Slice {
		return false
	}
	p := d.p
	n := 0
	for j := i + 1; j < int(p.nodes[i].next); j = int(p.nodes[j].next) {
		n++
	}
	v.Set(reflect.MakeSlice(v.Type(), n, n)) // an empty list too: [] is not null
	e := 0
	for j := i + 1; j < int(p.nodes[i].next); j = int(p.nodes[j].next) {
		if !d.value(j, v.Index(e)) {
			return false
		}
		e++
	}
	return true
}

// The JSON literal a scalar becomes.
const (
	litNull = iota
	litBool
	litString
	litNumber
)

func (d *decoder) literal(i int, v reflect.Value) bool {
	p := d.p
	n := &p.nodes[i]
	text := p.text(n)
	class, num := litString, text
	if n.style == fPlain {
		switch plainTag(text) {
		case tagNull:
			class = litNull
		case tagBool:
			class = litBool
		case tagInt:
			class = litNumber
			if num[0] == '+' {
				num = num[1:]
			}
		case tagOther: // floats, timestamps, ints in other bases: as the converter writes them
			js, ok := d.jsonText(i)
			if !ok {
				return false
			}
			if js[0] != '"' {
				class, num = litNumber, js
			}
		}
	}
	u, ut, v, ok := indirect(v, class == litNull)
	switch {
	case !ok:
		return false
	case u != nil:
		js, ok := d.jsonText(i)
		return ok && u.UnmarshalJSON(js) == nil
	case ut != nil:
		return class == litString && ut.UnmarshalText(text) == nil
	}
	switch class {
	case litNull:
		switch v.Kind() {
		case reflect.Interface:
			return false
		case reflect.Pointer, reflect.Map, reflect.Slice:
			v.SetZero()
		}
		return true
	case litBool:
		if v.Kind() != reflect.Bool {
			return false
		}
		v.SetBool(text[0] == 't' || text[0] == 'T')
		return true
	case litString:
		switch v.Kind() {
		case reflect.String:
			if v.Type().Name() == "Number" {
				return false // json.Number has rules of its own
			}
			v.SetString(string(text))
			return true
		case reflect.Slice:
			if v.Type().Elem().Kind() != reflect.Uint8 {
				return false
			}
			b := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
			n, err := base64.StdEncoding.Decode(b, text)
			if err != nil {
				return false
			}
			v.SetBytes(b[:n])
			return true
		}
		return false
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return false
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return false
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(string(num), v.Type().Bits())
		if err != nil || v.OverflowFloat(n) {
			return false
		}
		v.SetFloat(n)
	default:
		return false
	}
	return true
}

// structPlan maps a struct type's JSON field names to their fields.
type structPlan struct {
	fields map[string]*fieldPlan
}

type fieldPlan struct {
	index []int // through embedded structs
}

var structPlans sync.Map // reflect.Type -> *structPlan, nil when declined

// structPlanOf lists the fields of t as encoding/json's typeFields finds
// them, or returns nil when two fields claim a name or an embedded type
// repeats (Go's dominance rules would decide; the JSON path applies them)
// or a field has the ",string" option.
func structPlanOf(t reflect.Type) *structPlan {
	if p, ok := structPlans.Load(t); ok {
		return p.(*structPlan)
	}
	plan := &structPlan{fields: map[string]*fieldPlan{}}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, index []int) bool
	walk = func(t reflect.Type, index []int) bool {
		if seen[t] {
			return false
		}
		seen[t] = true
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Anonymous {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if !sf.IsExported() && ft.Kind() != reflect.Struct {
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if !isValidTag(name) {
				name = ""
			}
			for o := range strings.SplitSeq(opts, ",") {
				if o == "string" {
					return false
				}
			}
			idx := append(append([]int(nil), index...), i)
			ft := sf.Type
			if ft.Name() == "" && ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
				if !walk(ft, idx) {
					return false
				}
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if plan.fields[name] != nil {
				return false
			}
			plan.fields[name] = &fieldPlan{index: idx}
		}
		return true
	}
	if !walk(t, nil) {
		plan = nil
	}
	p, _ := structPlans.LoadOrStore(t, plan)
	return p.(*structPlan)
}

// isValidTag is encoding/json's.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
