"""Bilingual process content (README "Bilingual process content"): the default language (zh) in
the element's own name / documentation / label, other languages in ``i18n:`` camunda:properties,
read for the reader's language with a fallback to the default text."""
from __future__ import annotations

from app.engine.bpmn import i18n
from app.engine.bpmn.xml import load_xml
from app.engine.forms import FormField, parse_camunda_form
from app.engine.mail import in_language

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" name="投诉处理流程" isExecutable="true">
    <bpmn:extensionElements><camunda:properties>
      <camunda:property name="i18n:name:en" value="Complaint handling" />
    </camunda:properties></bpmn:extensionElements>
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_cs" name="客户服务">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="candidateGroups" value="CustomerService" />
        <camunda:property name="i18n:name:en" value="Customer service" />
      </camunda:properties></bpmn:extensionElements>
      <bpmn:flowNodeRef>register</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:userTask id="register" name="登记投诉">
      <bpmn:documentation>立即登记投诉。</bpmn:documentation>
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="channel" label="投诉渠道" type="enum">
            <camunda:properties>
              <camunda:property id="help" value="客户联系我们的方式" />
              <camunda:property id="i18n:label:en" value="Channel" />
              <camunda:property id="i18n:help:en" value="How the customer reached us" />
              <camunda:property id="i18n:option:phone:en" value="Phone" />
            </camunda:properties>
            <camunda:value id="phone" name="电话" />
            <camunda:value id="letter" name="信函" />
          </camunda:formField>
          <camunda:formField id="content" label="投诉内容" type="string" />
        </camunda:formData>
        <camunda:properties>
          <camunda:property name="i18n:name:en" value="Register complaint" />
          <camunda:property name="i18n:documentation:en" value="Register it at once.&#10;&#10;Second paragraph." />
        </camunda:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_untranslated" name="满意" sourceRef="register" targetRef="register" />
  </bpmn:process>
</bpmn:definitions>"""


def _root():
    return load_xml(BPMN).getroot()


def test_element_names_in_each_language_with_fallback():
    """``i18n:name:en`` for English; the name attribute (zh, the site default) otherwise, and for a
    language nobody translated into."""
    texts = i18n.diagram_texts(_root())
    assert i18n.text_of(texts["register"], "name", "en") == "Register complaint"
    assert i18n.text_of(texts["register"], "name", "zh") == "登记投诉"
    assert i18n.text_of(texts["register"], "name", "fr") == "登记投诉"  # no French: the default text
    assert i18n.text_of(texts["p"], "name", "en") == "Complaint handling"
    assert i18n.text_of(texts["lane_cs"], "name", "en") == "Customer service"
    assert i18n.text_of(texts["flow_untranslated"], "name", "en") == "满意"  # missing: never hidden
    assert i18n.text_of({}, "name", "en", default="recorded") == "recorded"
    # only i18n entries are collected; other properties (candidateGroups) are not texts
    assert "candidateGroups" not in texts["lane_cs"]


def test_documentation_keeps_its_paragraphs():
    texts = i18n.diagram_texts(_root())
    assert i18n.text_of(texts["register"], "documentation", "en") == "Register it at once.\n\nSecond paragraph."
    assert i18n.text_of(texts["register"], "documentation", "zh") == "立即登记投诉。"


def test_form_labels_options_and_help_in_the_readers_language():
    node = _root().find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")
    fields, issues = parse_camunda_form(node)
    assert issues == []
    en = {f.id: f for f in i18n.localize_fields(fields, "en")}
    zh = {f.id: f for f in i18n.localize_fields(fields, "zh")}
    assert en["channel"].label == "Channel" and zh["channel"].label == "投诉渠道"
    assert en["channel"].options == [("phone", "Phone"), ("letter", "信函")]  # letter: not translated
    assert zh["channel"].options == [("phone", "电话"), ("letter", "信函")]
    assert en["channel"].properties["help"] == "How the customer reached us"
    assert zh["channel"].properties["help"] == "客户联系我们的方式"
    assert i18n.field_help(fields[0], "en") == "How the customer reached us"
    assert en["content"].label == "投诉内容"  # no English label: the Chinese one
    # the stored field (a task row's form JSON) is left as it was: only the shown copy changes
    assert fields[0].label == "投诉渠道" and fields[0].options[0] == ("phone", "电话")
    again = FormField.from_dict(fields[0].to_dict())
    assert i18n.localize_field(again, "en").label == "Channel"


def test_property_names_follow_the_convention():
    assert i18n.key("name", "en") == "i18n:name:en"
    assert i18n.option_key("phone", "en") == "i18n:option:phone:en"
    assert i18n.pick({"i18n:name:en": "  "}, "name", "默认", "en") == "默认"  # blank counts as missing


def test_a_mail_names_the_task_in_the_recipients_language():
    context = {"task": {"name": "登记投诉", "process_name": "投诉处理流程",
                        "texts": {"en": {"name": "Register complaint", "process_name": "Complaint handling"},
                                  "zh": {"name": "登记投诉", "process_name": "投诉处理流程"}}}}
    assert in_language(context, "en")["task"]["name"] == "Register complaint"
    assert in_language(context, "en")["task"]["process_name"] == "Complaint handling"
    assert in_language(context, "zh")["task"]["name"] == "登记投诉"
    assert in_language({"task": {"name": "x"}}, "en") == {"task": {"name": "x"}}
