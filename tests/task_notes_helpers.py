"""A process whose first task has a file field, shared by the task-notes tests (engine, screens, API)."""
from __future__ import annotations

import pytest

from tests.api.helpers import DATA, Engine, unique

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 16
PDF = b"%PDF-1.4\n" + b"0" * 40


def file_form_bpmn(key: str) -> bytes:
    """start -> inspect (a required photo: PNG or JPEG, at most 1 KB; and a remark) -> end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="defs_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="文件字段测试" isExecutable="true">
    <bpmn:extensionElements><camunda:properties><camunda:property name="i18n:name:en" value="File field test"/>
    </camunda:properties></bpmn:extensionElements>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="inspect" name="检查机器人" camunda:candidateGroups="CustomerService">
      <bpmn:extensionElements><camunda:properties><camunda:property name="i18n:name:en" value="Inspect the robot"/>
      </camunda:properties><camunda:formData>
        <camunda:formField id="photo" label="故障照片" type="file">
          <camunda:properties><camunda:property id="accept" value="image/png,image/jpeg"/>
            <camunda:property id="maxSize" value="1KB"/><camunda:property id="i18n:label:en" value="Photo of the fault"/>
          </camunda:properties>
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
        </camunda:formField>
        <camunda:formField id="remark" label="备注" type="string">
          <camunda:properties><camunda:property id="i18n:label:en" value="Remark"/></camunda:properties>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inspect"/>
    <bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture(scope="module")
def eng(app) -> Engine:
    return Engine(app)


@pytest.fixture(scope="module")
def complaint(eng) -> str:
    return eng.deploy((DATA / "engine_complaint.bpmn").read_bytes())


@pytest.fixture(scope="module")
def file_process(eng) -> str:
    return eng.deploy(file_form_bpmn(unique("tn_file")))


def new_task(eng, key: str) -> int:
    """The first open task of a new instance of ``key``."""
    return eng.open_task(eng.start(key, business_key=unique("TN")))
