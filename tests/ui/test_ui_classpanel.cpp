// Class keys and colours from the class panel: a key taken from another class moves in one undo step, undo gives
// both classes their keys back; a colour change is stored and undone.
#include <gtest/gtest.h>

#include <QColor>
#include <QSignalSpy>
#include <QUndoStack>

#include "ui/dataset/classpanel.h"
#include "ui/dataset/datasetview.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

using UiClassPanel = uitest::MainWindowTest;

TEST_F(UiClassPanel, KeyMovesBetweenClassesAndColourChangesUndoExactly) {
    ASSERT_NO_FATAL_FAILURE(openProject());
    ProjectDocument* doc = window->document();
    ClassPanel* panel = window->datasetView()->classPanel();
    ASSERT_EQ(doc->classes().size(), 3);
    const auto first = doc->classes()[0], second = doc->classes()[1];
    ASSERT_GT(first.key, 0);
    ASSERT_GT(second.key, 0);

    // Give the second class the first one's key: the first loses it, in one undoable step.
    ASSERT_TRUE(panel->setClassKey(second.id, first.key));
    EXPECT_EQ(doc->classById(second.id)->key, first.key);
    EXPECT_EQ(doc->classById(first.id)->key, 0);
    EXPECT_EQ(doc->classByKey(first.key)->id, second.id);
    doc->undoStack()->undo();
    EXPECT_EQ(doc->classById(first.id)->key, first.key);
    EXPECT_EQ(doc->classById(second.id)->key, second.key);

    ASSERT_TRUE(panel->setClassColor(first.id, QColor(QStringLiteral("#123456"))));
    EXPECT_EQ(doc->classById(first.id)->color, "#123456");
    auto stored = doc->store().classes();
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->front().color, "#123456");
    doc->undoStack()->undo();
    EXPECT_EQ(doc->classById(first.id)->color, first.color);
    doc->undoStack()->redo();
    EXPECT_EQ(doc->classById(first.id)->color, "#123456");
    EXPECT_FALSE(panel->setClassKey(first.id, 12)) << "keys are 0..9";
}

}  // namespace
