package config

import (
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// decodeEach decodes body into dst one key at a time, so that a bad value
// or an unknown key does not hide the others: it returns every problem, in
// document order, and fills dst with what did decode (a key in error keeps
// its default). It reports ok false, and decodes nothing, when the document
// uses aliases or merge keys, whose meaning spans keys: the caller then
// keeps the library's one error.
func decodeEach(body ast.Node, dst reflect.Value) (errs []error, ok bool) {
	if usesAliases(body) {
		return nil, false
	}
	d := &keyDecoder{}
	d.value(body, dst)
	return d.errs, true
}

// keyDecoder walks a document alongside the struct it fills.
type keyDecoder struct{ errs []error }

// value decodes node into dst: mappings into structs and sequences into
// slices of structs key by key, anything else (a leaf, or a value of the
// wrong shape) by the library, which reports what is wrong.
func (d *keyDecoder) value(node ast.Node, dst reflect.Value) {
	if a, ok := node.(*ast.AnchorNode); ok {
		node = a.Value
	}
	switch {
	case dst.Kind() == reflect.Struct && !customDecoder(dst.Type()):
		if entries, ok := mappingEntries(node); ok {
			d.mapping(entries, dst)
			return
		}
	case dst.Kind() == reflect.Slice && dst.Type().Elem().Kind() == reflect.Struct:
		if seq, ok := node.(*ast.SequenceNode); ok {
			s := reflect.MakeSlice(dst.Type(), len(seq.Values), len(seq.Values))
			for i, v := range seq.Values {
				d.value(v, s.Index(i))
			}
			dst.Set(s)
			return
		}
	}
	if err := nodeToValue(node, dst.Addr().Interface()); err != nil {
		d.errs = append(d.errs, err)
	}
}

// nodeToValue is yaml.NodeToValue in strict mode, with the library's
// panics on odd documents (a tag without a value where a list belongs)
// turned into an error at the node.
func nodeToValue(node ast.Node, dst any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &nodeError{msg: "this value cannot be read (check its tags and indentation)", tok: node.GetToken()}
		}
	}()
	return yaml.NodeToValue(node, dst, yaml.Strict())
}

// mapping decodes each entry into the field of dst its key names.
func (d *keyDecoder) mapping(entries []*ast.MappingValueNode, dst reflect.Value) {
	for _, e := range entries {
		name := e.Key.GetToken().Value
		f, ok := fieldByKey(dst, name)
		if !ok {
			d.errs = append(d.errs, &nodeError{msg: "unknown key", tok: e.Key.GetToken()})
			continue
		}
		d.value(e.Value, f)
	}
}

// mappingEntries returns the entries of a mapping node; ok is false for
// any other node (null included: the library decides what it means).
func mappingEntries(node ast.Node) ([]*ast.MappingValueNode, bool) {
	switch n := node.(type) {
	case *ast.MappingNode:
		return n.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, true
	}
	return nil, false
}

// fieldByKey returns the field of the struct v whose yaml tag is key.
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == key && tag != "" && tag != "-" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// customDecoder reports whether *t decodes itself.
func customDecoder(t reflect.Type) bool {
	_, ok := reflect.PointerTo(t).MethodByName("UnmarshalYAML")
	return ok
}

// usesAliases reports whether the document holds an alias or a merge key.
func usesAliases(body ast.Node) bool {
	found := false
	ast.Walk(visitFunc(func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AliasNode, *ast.MergeKeyNode:
			found = true
		case *ast.MappingValueNode:
			if n.Key.GetToken().Value == "<<" {
				found = true
			}
		}
		return !found
	}), body)
	return found
}

// visitFunc is an ast.Visitor from a function that says whether to go on.
type visitFunc func(ast.Node) bool

// Visit implements ast.Visitor.
func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if !f(n) {
		return nil
	}
	return f
}
