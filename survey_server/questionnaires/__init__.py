"""Questionnaires (bảng hỏi): the file schema, its checker and the immutable stored versions."""
